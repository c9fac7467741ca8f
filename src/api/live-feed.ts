import type { Row } from '../sinks/sink.js';
import type { LiveEvent, LiveFeed, LivePayloads } from './context.js';

/**
 * The live feed behind `GET /v1/stream`: a ring buffer of the last `capacity` events with
 * increasing ids, so a client that reconnects with `Last-Event-ID` gets what it missed (if it is
 * still in the buffer). Publishing is O(1), never blocks and never throws: a listener that throws
 * is dropped, a slow SSE client is the stream route's business.
 *
 * Ids start at 1 in each process. A `lastId` the feed has not reached yet (the service restarted
 * under a connected client) replays the whole buffer rather than nothing.
 *
 * @example
 * const feed = new RingLiveFeed(1000);
 * feed.publish('alert', { id: 'a1', feature: 'amount' });
 * feed.since(0); // [{ id: 1, type: 'alert', data: { id: 'a1', feature: 'amount' } }]
 */
export class RingLiveFeed implements LiveFeed {
  private readonly buffer: (LiveEvent | undefined)[];
  private nextId = 1;
  private readonly listeners = new Set<(event: LiveEvent) => void>();

  constructor(readonly capacity = 2_000) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`live feed capacity must be a positive integer, got ${capacity}`);
    this.buffer = new Array<LiveEvent | undefined>(capacity);
  }

  publish(type: LiveEvent['type'], data: unknown): void {
    const event: LiveEvent = { id: this.nextId++, type, data };
    this.buffer[event.id % this.capacity] = event;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }

  /** Typed publishing for producers that know the payload shapes. */
  emit<T extends LiveEvent['type']>(type: T, data: LivePayloads[T]): void {
    this.publish(type, data);
  }

  since(lastId: number): LiveEvent[] {
    const newest = this.nextId - 1;
    const oldest = Math.max(1, newest - this.capacity + 1);
    let first = Number.isFinite(lastId) ? Math.floor(lastId) + 1 : oldest;
    if (first > newest + 1) first = oldest; // the feed restarted under the client
    if (first < oldest) first = oldest;
    const out: LiveEvent[] = [];
    for (let id = first; id <= newest; id++) out.push(this.buffer[id % this.capacity]!);
    return out;
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Id of the newest event (0 before any). */
  get lastId(): number {
    return this.nextId - 1;
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}

/**
 * An `onRows` listener for the Pipeline that publishes window rows (not the learner's or the
 * monitor's tables) as `window` events.
 *
 * @param tables window table name → window name, e.g. from `pipeline.windows`.
 */
export function windowRowsPublisher(
  feed: LiveFeed,
  tables: ReadonlyMap<string, string>,
): (table: string, rows: Row[]) => void {
  return (table, rows) => {
    const window = tables.get(table);
    if (window === undefined || rows.length === 0) return;
    feed.publish('window', { window, rows } satisfies LivePayloads['window']);
  };
}

/**
 * Publishes a `throughput` event every `intervalMs`: accepted events per second since the last
 * tick (from a monotonically growing counter such as `pipeline.stats.records`) and, when given,
 * consumer lag and watermark delay. Returns a function that stops it.
 */
export function startThroughputReporter(
  feed: LiveFeed,
  read: () => {
    records: number;
    lag?: Record<string, number>;
    watermarkDelayMs?: number | null;
  },
  intervalMs = 1_000,
): () => void {
  let last = read().records;
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const sample = read();
    const eps = ((sample.records - last) * 1000) / Math.max(1, now - lastAt);
    last = sample.records;
    lastAt = now;
    const data: LivePayloads['throughput'] = {
      at: Date.now(),
      eventsPerSecond: Math.max(0, Math.round(eps * 10) / 10),
    };
    if (sample.lag !== undefined) data.lag = sample.lag;
    if (sample.watermarkDelayMs !== undefined) data.watermarkDelayMs = sample.watermarkDelayMs;
    feed.publish('throughput', data);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
