"""Reads every record of a topic with kafka-python (Debian's python3-kafka 2.0.2, run with
/usr/bin/python3) from the beginning to the end offsets, and prints one line per record:

    partition TAB offset TAB hex(key) TAB hex(value) TAB name=hex(value),... (headers)

A null key or value prints as '-'. Exits 2 when the end is not reached within the deadline.
kafka-python decodes compressed batches itself (gzip with Python's zlib, snappy with
python3-snappy, lz4 with python3-lz4, zstd with python3-zstandard) and checks CRCs.

Usage: consume_all.py BOOTSTRAP TOPIC DEADLINE_SECONDS
"""
import sys
import time

from kafka import KafkaConsumer, TopicPartition


def hexed(b):
    return "-" if b is None else b.hex()


def main():
    bootstrap, topic, deadline = sys.argv[1], sys.argv[2], time.time() + float(sys.argv[3])
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", check_crcs=True)
    partitions = None
    while not partitions and time.time() < deadline:
        partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        print("no partitions for " + topic, file=sys.stderr)
        return 2
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    end = consumer.end_offsets(tps)
    while any(consumer.position(tp) < end[tp] for tp in tps):
        if time.time() > deadline:
            print("deadline passed before the end offsets %s" % end, file=sys.stderr)
            return 2
        for tp, messages in consumer.poll(timeout_ms=200).items():
            for m in messages:
                headers = ",".join("%s=%s" % (k, hexed(v)) for k, v in m.headers)
                print("%d\t%d\t%s\t%s\t%s" % (m.partition, m.offset, hexed(m.key), hexed(m.value), headers))
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
