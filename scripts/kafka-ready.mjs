#!/usr/bin/env node
// Waits until a Kafka cluster answers a metadata request with at least one broker and an active
// controller. Used by scripts/services.sh; exits 0 when ready, 1 on timeout (last error on stderr).
//   node scripts/kafka-ready.mjs [brokers=127.0.0.1:9092] [timeoutSeconds=90]
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const brokers = (process.argv[2] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const timeoutMs = Number(process.argv[3] ?? 90) * 1000;
const deadline = Date.now() + timeoutMs;

const kafka = new Kafka({
  clientId: 'streamlearn-ready-check',
  brokers,
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 5000,
  retry: { retries: 0 },
});

let lastError = 'no attempt made';
while (Date.now() < deadline) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0) {
      await admin.listTopics();
      await admin.disconnect();
      process.exit(0);
    }
    lastError = `metadata without brokers/controller: ${JSON.stringify(cluster)}`;
  } catch (err) {
    lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  await admin.disconnect().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.error(`Kafka at ${brokers.join(',')} not ready after ${timeoutMs / 1000}s: ${lastError}`);
process.exit(1);
