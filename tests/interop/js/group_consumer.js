// One run of a kafkajs 2.2.4 consumer-group consumer, for the interop tests.
//
// Usage: node group_consumer.js BOOTSTRAP TOPIC GROUP EXPECTED TIMEOUT_MS
//
// Joins GROUP (FindCoordinator v2, JoinGroup v5 with MEMBER_ID_REQUIRED, SyncGroup v3,
// OffsetFetch v4, Heartbeat v3, OffsetCommit v5 after each batch), reads TOPIC until EXPECTED
// records arrived or TIMEOUT_MS passed, keeps reading one more second to catch anything beyond
// them, leaves (LeaveGroup v3), reads the committed offsets with the admin client
// (OffsetFetch) and the group with DescribeGroups, and prints one JSON line:
//   {"records": [[partition, offset, key], ...], "committed": {"partition": offset, ...},
//    "describedState": "..."}
// Exits 1 with a message on stderr if it fails.
'use strict';

const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [bootstrap, topic, groupId, expectedText, timeoutText] = process.argv.slice(2);
  const expected = Number(expectedText);
  const timeoutMs = Number(timeoutText);
  const kafka = new Kafka({ clientId: 'kafkajs-interop', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
  // A short fetch wait, so that leaving does not wait out a long poll.
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  const records = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let reachedAt = null;
  let reached;
  const done = new Promise((resolve) => { reached = resolve; });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push([partition, Number(message.offset), message.key ? message.key.toString() : null]);
      if (records.length >= expected && reachedAt === null) {
        reachedAt = Date.now();
        setTimeout(reached, 1000);  // one more second for anything beyond the expected records
      }
    },
  });
  if (expected === 0) setTimeout(reached, 3000);
  const timer = setTimeout(reached, timeoutMs);
  await done;
  clearTimeout(timer);
  await consumer.disconnect();

  const admin = kafka.admin();
  await admin.connect();
  const committed = {};
  for (const t of await admin.fetchOffsets({ groupId, topics: [topic] })) {
    for (const p of t.partitions) committed[String(p.partition)] = Number(p.offset);
  }
  const described = await admin.describeGroups([groupId]);
  await admin.disconnect();
  process.stdout.write(JSON.stringify({ records, committed, describedState: described.groups[0].state }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`group_consumer.js: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
