import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import type { Message } from 'kafkajs';
import { withoutByteOrderMark } from '../byte-order-mark.js';
import { createKafka, ensureTopic } from './kafka-client.js';

export interface ProduceOptions {
  file: string;
  topic: string;
  brokers: string[];
  partitions: number;
  /** JSON field whose value becomes the message key (so a key's events share a partition). */
  keyField?: string;
  progress?: boolean;
  batchSize?: number;
}

/** Loads a JSONL file into a topic, one message per line (bad lines too: the pipeline dead-letters them). */
export async function produceFile(opts: ProduceOptions): Promise<number> {
  const kafka = createKafka(opts.brokers, 'streamlearn-produce');
  await ensureTopic(kafka, opts.topic, opts.partitions);
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const total = (await stat(opts.file)).size;
  const bar =
    opts.progress === false
      ? null
      : new SingleBar(
          { format: 'produce |{bar}| {percentage}% {value}/{total} bytes | {messages} messages' },
          Presets.shades_classic,
        );
  bar?.start(total, 0, { messages: 0 });
  let sent = 0;
  let bytes = 0;
  let batch: Message[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await producer.send({ topic: opts.topic, messages: batch, acks: -1 });
    sent += batch.length;
    batch = [];
    bar?.update(bytes, { messages: sent });
  };
  try {
    const lines = createInterface({ input: createReadStream(opts.file), crlfDelay: Infinity });
    let first = true;
    for await (const read of lines) {
      bytes += Buffer.byteLength(read) + 1;
      const line = first ? withoutByteOrderMark(read) : read;
      first = false;
      batch.push({ key: keyOf(line, opts.keyField), value: line });
      if (batch.length >= (opts.batchSize ?? 2_000)) await flush();
    }
    await flush();
  } finally {
    bar?.stop();
    await producer.disconnect();
  }
  return sent;
}

function keyOf(line: string, field: string | undefined): string | null {
  if (!field) return null;
  try {
    const v = (JSON.parse(line) as Record<string, unknown>)[field];
    return v === undefined || v === null ? null : String(v);
  } catch {
    return null;
  }
}
