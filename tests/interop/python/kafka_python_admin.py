"""kafka-python 2.0.2's KafkaAdminClient against a kafkalite mock cluster.

Usage: /usr/bin/python3 kafka_python_admin.py BOOTSTRAP

Creates, describes, alters, grows and deletes topics the way a test suite sets itself
up, produces to and consumes from a partition added by CreatePartitions after the
clients' metadata refresh, and prints what it saw as one JSON object on stdout, which
tests/interop/kafka_python_admin_test.cpp checks. Exits non-zero on any unexpected error.
"""

import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import KafkaError

BOOTSTRAP = sys.argv[1]
DEADLINE_S = 30


def error_name(call):
    """The name of the Kafka error `call` raises, or 'none'."""
    try:
        call()
        return "none"
    except KafkaError as e:
        return type(e).__name__


def configs_of(responses, resource_name):
    """{name: [value, read_only, source]} of one resource in DescribeConfigs responses."""
    for response in responses:
        for resource in response.resources:
            error_code, _, _, name, entries = resource[:5]
            if name == resource_name:
                assert error_code == 0, resource
                return {e[0]: [e[1], e[2], e[3]] for e in entries}
    raise AssertionError("no resource " + resource_name)


def wait_for(condition, what):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)  # poll interval of a condition with a deadline
    raise AssertionError("timed out waiting for " + what)


def main():
    out = {}
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id="kafka-python-admin",
                             request_timeout_ms=15000)
    response = admin.create_topics(
        [NewTopic("kp-orders", 3, 2, topic_configs={"min.insync.replicas": "2", "retention.ms": "3600000"}),
         NewTopic("kp-doomed", 1, 1),
         NewTopic("kp-placed", -1, -1, replica_assignments={0: [1, 2], 1: [2, 3]})],
        timeout_ms=10000)
    out["create_version"] = response.API_VERSION
    out["create"] = sorted([t[0], t[1]] for t in response.topic_errors)
    out["create_again"] = error_name(lambda: admin.create_topics([NewTopic("kp-orders", 1, 1)]))
    out["create_rf4"] = error_name(lambda: admin.create_topics([NewTopic("kp-rf4", 1, 4)]))
    out["create_bad_config"] = error_name(
        lambda: admin.create_topics([NewTopic("kp-bad", 1, 1, topic_configs={"retention.ms": "soon"})]))
    out["create_bad_name"] = error_name(lambda: admin.create_topics([NewTopic("kp bad", 1, 1)]))
    admin.create_topics([NewTopic("kp-validated", 1, 1)], validate_only=True)
    out["validated_exists"] = "kp-validated" in admin.list_topics()

    described = admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, "kp-orders"), ConfigResource(ConfigResourceType.BROKER, "1")])
    out["describe_version"] = described[0].API_VERSION
    topic = configs_of(described, "kp-orders")
    broker = configs_of(described, "1")
    out["topic_configs"] = {k: topic[k] for k in ("min.insync.replicas", "retention.ms", "cleanup.policy")}
    out["broker_configs"] = {k: broker[k] for k in ("broker.id", "min.insync.replicas")}

    altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-orders",
                                                  configs={"retention.ms": "7200000", "retention.bytes": "1048576"})])
    out["alter_version"] = altered.API_VERSION
    out["alter"] = [r[0] for r in altered.resources]
    bad = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-orders", configs={"retention.ms": "x"})])
    out["alter_bad"] = [r[0] for r in bad.resources]
    topic = configs_of(admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-orders")]), "kp-orders")
    out["topic_configs_after"] = {k: topic[k] for k in ("min.insync.replicas", "retention.ms", "retention.bytes")}

    # A producer and a consumer that know the topic with 3 partitions see the new ones after
    # their next metadata refresh.
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id="kafka-python-producer", acks="all",
                             metadata_max_age_ms=200)
    out["partitions_before"] = len(producer.partitions_for("kp-orders"))
    grown = admin.create_partitions({"kp-orders": NewPartitions(6)}, timeout_ms=10000)
    out["create_partitions"] = [[t[0], t[1]] for t in grown.topic_errors]
    out["create_partitions_shrink"] = error_name(lambda: admin.create_partitions({"kp-orders": NewPartitions(2)}))
    wait_for(lambda: len(producer.partitions_for("kp-orders")) == 6, "the producer to see 6 partitions")
    metadata = producer.send("kp-orders", key=b"k", value=b"on the new partition", partition=5).get(timeout=DEADLINE_S)
    out["produced"] = [metadata.partition, metadata.offset]
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, client_id="kafka-python-consumer",
                             auto_offset_reset="earliest")
    consumer.assign([TopicPartition("kp-orders", 5)])
    consumed = []

    def poll_once():
        for records in consumer.poll(timeout_ms=200).values():
            consumed.extend(r.value.decode() for r in records)
        return bool(consumed)

    wait_for(poll_once, "the record on the new partition")
    out["consumed"] = consumed
    consumer.close()

    cluster = admin.describe_cluster()
    out["cluster"] = [cluster["cluster_id"], cluster["controller_id"], sorted(b["node_id"] for b in cluster["brokers"])]

    deleted = admin.delete_topics(["kp-doomed"], timeout_ms=10000)
    out["delete_version"] = deleted.API_VERSION
    out["delete"] = [[t[0], t[1]] for t in deleted.topic_error_codes]
    out["doomed_listed"] = "kp-doomed" in admin.list_topics()
    out["delete_again"] = error_name(lambda: admin.delete_topics(["kp-doomed"]))
    admin.close()
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
