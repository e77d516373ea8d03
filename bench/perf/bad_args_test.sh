#!/bin/sh
# perf_bad_args: kafkalite-perf must refuse bad arguments with exit status 2 and a
# message on stderr, for either client. $1 = the kafkalite-perf program.
perf="$1"
expect_usage_error() {
  message=$("$perf" "$@" 2>&1 >/dev/null)
  status=$?
  if [ "$status" -ne 2 ] || [ -z "$message" ]; then
    echo "FAIL: kafkalite-perf $* exited $status (expected 2 and a message): $message"
    exit 1
  fi
  echo "ok: kafkalite-perf $*: $(echo "$message" | head -n 1)"
}
expect_usage_error produce -b 127.0.0.1:9 -t perf -n 1 -s 8 -X no.such.key=1
expect_usage_error produce --client librdkafka -b 127.0.0.1:9 -t perf -n 1 -s 8 -X no.such.key=1
expect_usage_error produce -b 127.0.0.1:9 -t perf -n 1 -s 8 -X request.timeout.ms=0
expect_usage_error produce -b 127.0.0.1:9 -t perf -n 1 -s 8 --bogus
expect_usage_error produce -b 127.0.0.1:9 -t perf -n 1 -s 7
expect_usage_error compare -t perf -n 1 -X justakey
expect_usage_error compare -t perf -n 1 --retention-bytes 0
exit 0
