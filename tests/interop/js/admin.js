// kafkajs 2.2.4's admin client against a kafkalite mock cluster.
//
// Usage: node admin.js BOOTSTRAP
//
// Creates a topic (with configs, waiting for its leaders), reads its metadata, grows it,
// describes and alters its configs, produces, deletes records up to the high watermark and
// deletes the topic, then prints what it saw as one JSON object on stdout, which
// tests/interop/kafkajs_admin_test.cpp checks. Exits non-zero on any unexpected error.

const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs')

const brokers = process.argv[2].split(',')
const kafka = new Kafka({ clientId: 'kafkajs-admin', brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } })

async function main() {
  const out = {}
  const admin = kafka.admin()
  await admin.connect()

  out.created = await admin.createTopics({
    topics: [{ topic: 'js-orders', numPartitions: 3, replicationFactor: 2,
               configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    timeout: 10000,
  })
  out.createdAgain = await admin.createTopics({ topics: [{ topic: 'js-orders' }], timeout: 10000 })
  try {
    await admin.createTopics({ topics: [{ topic: 'js-rf4', numPartitions: 1, replicationFactor: 4 }] })
    out.rf4 = 'none'
  } catch (e) {
    out.rf4 = e.type || (e.errors && e.errors[0] && e.errors[0].type) || e.name
  }

  const metadata = await admin.fetchTopicMetadata({ topics: ['js-orders'] })
  out.partitions = metadata.topics[0].partitions.map(p => [p.partitionId, p.leader >= 1, p.replicas.length])
    .sort((a, b) => a[0] - b[0])

  await admin.createPartitions({ topicPartitions: [{ topic: 'js-orders', count: 5 }], timeout: 10000 })
  const grown = await admin.fetchTopicMetadata({ topics: ['js-orders'] })
  out.grown = grown.topics[0].partitions.length

  const described = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-orders' }], includeSynonyms: false })
  const entries = described.resources[0].configEntries
  const pick = name => {
    const e = entries.find(c => c.configName === name)
    return [e.configValue, e.isDefault, e.configSource]
  }
  out.retention = pick('retention.ms')
  out.minIsr = pick('min.insync.replicas')

  await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-orders',
                                           configEntries: [{ name: 'max.message.bytes', value: '500000' }] }] })
  const after = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-orders', configNames: ['max.message.bytes', 'retention.ms'] }],
    includeSynonyms: false })
  out.afterAlter = after.resources[0].configEntries.map(c => [c.configName, c.configValue]).sort()

  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic: 'js-orders', acks: -1,
                        messages: [0, 1, 2, 3].map(i => ({ partition: 0, key: 'k', value: 'v' + i })) })
  await producer.disconnect()
  await admin.deleteTopicRecords({ topic: 'js-orders', partitions: [{ partition: 0, offset: '-1' }] })
  const offsets = await admin.fetchTopicOffsets('js-orders')
  const p0 = offsets.find(o => o.partition === 0)
  out.offsetsAfterDeleteRecords = [p0.low, p0.high]

  await admin.deleteTopics({ topics: ['js-orders'], timeout: 10000 })
  out.listedAfterDelete = (await admin.listTopics()).includes('js-orders')
  await admin.disconnect()
  console.log(JSON.stringify(out))
}

main().catch(e => {
  console.error(e && e.stack ? e.stack : String(e))
  process.exit(1)
})
