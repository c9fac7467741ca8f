/*
 * The worker thread behind `KafkaWorkerSource`: runs a `KafkaSource` (kafkajs: fetching, protocol
 * decoding, group membership, heartbeats) and posts its batches, packed, to the main thread as
 * the main thread grants credit for them. Requests (start, commit, close) are answered by
 * id; pause and resume are passed on. See kafka-worker-source.ts for the protocol.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { KafkaSourceConfig } from '../../core/config/index.js';
import type { Positions } from '../../core/event.js';
import type { Logger } from '../../core/logger.js';
import { KafkaSource } from './kafka-source.js';
import { packBatch, transferablesOf } from './packed-batch.js';
import { serializeError, type FromWorker, type ToWorker } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('kafka-worker.ts runs as a worker thread (see KafkaWorkerSource)');

const post = (message: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);

/** Log calls the source and kafkajs make, sent to the main thread's logger. */
function forwardingLogger(): Logger {
  const at =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (obj: unknown, msg?: string): void => {
      let fields: Record<string, unknown> = {};
      try {
        fields = JSON.parse(
          JSON.stringify(typeof obj === 'object' && obj !== null ? obj : { value: obj }, (_k, v: unknown) =>
            v instanceof Error ? serializeError(v) : v,
          ),
        ) as Record<string, unknown>;
      } catch {
        fields = { unserializable: String(obj) };
      }
      post({ type: 'log', level, fields, msg: msg ?? '' });
    };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger;
}

const { cfg, queued } = workerData as { cfg: KafkaSourceConfig; queued: number };
const source = new KafkaSource(cfg, forwardingLogger(), queued);
let credit = 0;
let pumping = false;
let closing = false;
let grant: (() => void) | null = null;

/** Hands batches over while credit lasts; ends with `end` (input over) or `error`. */
async function pump(): Promise<void> {
  pumping = true;
  try {
    for (;;) {
      while (credit === 0 && !closing) await new Promise<void>((resolve) => (grant = resolve));
      if (closing) return;
      const batch = await source.next();
      if (batch === null) {
        post({ type: 'end' });
        return;
      }
      credit--;
      const packed = packBatch(batch);
      post({ type: 'batch', batch: packed }, transferablesOf(packed));
    }
  } catch (err) {
    post({ type: 'error', error: serializeError(err) });
  }
}

async function answer(id: number, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    post({ type: 'reply', id });
  } catch (err) {
    post({ type: 'reply', id, error: serializeError(err) });
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'start':
      void answer(m.id, async () => {
        await source.start(undefined, {
          onAssigned: (partitions) => post({ type: 'assigned', partitions }),
        });
        if (!pumping) void pump();
      });
      break;
    case 'credit':
      credit += m.batches;
      grant?.();
      grant = null;
      break;
    case 'commit':
      void answer(m.id, () => source.commit(m.positions as Positions));
      break;
    case 'pause':
      source.pause();
      break;
    case 'resume':
      source.resume();
      break;
    case 'close':
      closing = true;
      grant?.();
      grant = null;
      void answer(m.id, () => source.close()).then(() => port.close());
      break;
  }
});
