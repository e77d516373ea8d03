"""One run of a kafka-python 2.0.2 consumer-group consumer, for the interop tests.

Usage: /usr/bin/python3 group_consumer.py BOOTSTRAP TOPIC GROUP EXPECTED TIMEOUT_S

Joins GROUP (JoinGroup v2, SyncGroup v1, Heartbeat v1, OffsetFetch v1 at the broker version
kafka-python infers), reads TOPIC until EXPECTED records arrived or TIMEOUT_S passed, keeps
polling one more second to catch anything beyond them, commits synchronously (OffsetCommit
v2), leaves (LeaveGroup v1) and prints one JSON line:
  {"records": [[partition, offset, key], ...], "committed": {"partition": offset, ...}}
Exits 1 with a message on stderr if it fails.
"""
import json
import sys
import time

from kafka import KafkaConsumer


def main():
    bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
    expected, timeout = int(sys.argv[4]), float(sys.argv[5])
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap.split(","),
        group_id=group,
        client_id="kafka-python-interop",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    records = []
    deadline = time.monotonic() + timeout
    extra_until = None
    while time.monotonic() < deadline:
        for messages in consumer.poll(timeout_ms=100).values():
            for m in messages:
                records.append([m.partition, m.offset, m.key.decode() if m.key is not None else None])
        if len(records) >= expected and consumer.assignment():
            if extra_until is None:
                extra_until = time.monotonic() + 1.0
            elif time.monotonic() >= extra_until:
                break
    consumer.commit()
    committed = {str(tp.partition): consumer.committed(tp) for tp in consumer.assignment()}
    consumer.close()
    print(json.dumps({"records": records, "committed": committed}), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # reported to the test, which fails with it
        print("group_consumer.py: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
