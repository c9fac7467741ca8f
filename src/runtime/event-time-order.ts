import type { Event } from '../core/event.js';
import type { Json } from '../windows/aggregator.js';

/** An event waiting for the watermark, as the checkpoint stores it: [partition, offset, event]. */
export type OrderedEntry = [partition: string, offset: string, event: Event];

/** Receives released events; `partition` and `offset` say where each came from. */
export type Deliver = (event: Event, partition: string, offset: string) => void;

/**
 * Hands events to the stages (learner, drift monitor) in one canonical order — event time, then
 * partition, then offset — whatever the interleaving of partitions the source happened to deliver.
 * An event is held until the watermark passes it, so no later-arriving event can sort before it.
 * That order is what makes a model's state and the monitor's alerts the same after a crash, an
 * outage or a rebalance as in a clean run: order-sensitive learners (SGD, ADWIN, count windows)
 * would otherwise depend on how the consumer happened to batch partitions.
 *
 * The hold costs memory (events within `maxOutOfOrderness` of the watermark) and delays learning
 * by as much; predictions served by the API are unaffected. An event already behind the watermark
 * when it arrives (late) is released at once, so it is seen, out of canonical order.
 */
export class EventTimeOrder {
  private readonly queues = new Map<string, PartitionQueue>();
  /** Queues by partition name, so ties in event time break the same way in every run. */
  private byName: PartitionQueue[] = [];
  /** Smallest held event time (+∞ when nothing is held): a number compare decides per event. */
  nextTs = Number.POSITIVE_INFINITY;
  size = 0;

  /** Holds `event` until {@link release} is called with a watermark past its time. */
  push(partition: string, offset: string, event: Event): void {
    let queue = this.queues.get(partition);
    if (queue === undefined) queue = this.addQueue(partition);
    queue.insert(event, offset);
    this.size++;
    if (event.ts < this.nextTs) this.nextTs = event.ts;
  }

  /** Delivers, in canonical order, every held event with `ts < watermark`. */
  release(watermark: number, deliver: Deliver): void {
    if (this.byName.length === 1) {
      this.releaseOne(this.byName[0]!, watermark, deliver);
      return;
    }
    while (this.nextTs < watermark) {
      let best: PartitionQueue | null = null;
      let bestTs = Number.POSITIVE_INFINITY;
      for (const q of this.byName) {
        const ts = q.headTs();
        if (ts < bestTs) {
          bestTs = ts;
          best = q;
        }
      }
      if (best === null) break;
      const offset = best.headOffset();
      const event = best.shift();
      this.size--;
      this.nextTs = this.minHeadTs();
      deliver(event, best.partition, offset);
    }
  }

  /** One partition (a file replay, a single-partition topic): its queue is the order. */
  private releaseOne(q: PartitionQueue, watermark: number, deliver: Deliver): void {
    let ts = q.headTs();
    while (ts < watermark) {
      const offset = q.headOffset();
      const event = q.shift();
      this.size--;
      ts = q.headTs();
      this.nextTs = ts;
      deliver(event, q.partition, offset);
    }
  }

  /** Held events, for the checkpoint (canonical order, so the bytes do not depend on arrival). */
  toJSON(): Json {
    const out: OrderedEntry[] = [];
    for (const q of this.byName) q.forEach((event, offset) => out.push([q.partition, offset, event]));
    out.sort((a, b) => a[2].ts - b[2].ts || compareNames(a[0], b[0]));
    return out as unknown as Json;
  }

  restore(state: Json | undefined): void {
    this.queues.clear();
    this.byName = [];
    this.size = 0;
    this.nextTs = Number.POSITIVE_INFINITY;
    for (const [partition, offset, event] of (state ?? []) as unknown as OrderedEntry[])
      this.push(partition, offset, event);
  }

  private addQueue(partition: string): PartitionQueue {
    const queue = new PartitionQueue(partition);
    this.queues.set(partition, queue);
    this.byName.push(queue);
    this.byName.sort((a, b) => compareNames(a.partition, b.partition));
    return queue;
  }

  private minHeadTs(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const q of this.byName) {
      const ts = q.headTs();
      if (ts < min) min = ts;
    }
    return min;
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One partition's held events sorted by (event time, offset). Events mostly arrive in time order,
 * so an insert is usually an append; an out-of-order one is placed by binary search after every
 * event of the same time (offsets grow with arrival, so that keeps offset order too).
 *
 * The held events are `events[head, tail)`. The arrays are kept when the queue empties (with a
 * small bound it empties after nearly every event, and truncating them would give up their
 * storage each time, to be allocated again on the next push); released slots are cleared so
 * they hold no event alive.
 */
class PartitionQueue {
  private events: (Event | undefined)[] = [];
  private offsets: (string | undefined)[] = [];
  private head = 0;
  private tail = 0;

  constructor(readonly partition: string) {}

  insert(event: Event, offset: string): void {
    const events = this.events;
    const n = this.tail;
    if (n === this.head || events[n - 1]!.ts <= event.ts) {
      events[n] = event;
      this.offsets[n] = offset;
      this.tail = n + 1;
      return;
    }
    let lo = this.head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid]!.ts <= event.ts) lo = mid + 1;
      else hi = mid;
    }
    events.splice(lo, 0, event);
    this.offsets.splice(lo, 0, offset);
    this.tail = n + 1;
  }

  headTs(): number {
    return this.head < this.tail ? this.events[this.head]!.ts : Number.POSITIVE_INFINITY;
  }

  headOffset(): string {
    return this.offsets[this.head]!;
  }

  shift(): Event {
    const head = this.head;
    const event = this.events[head]!;
    this.events[head] = undefined;
    this.offsets[head] = undefined;
    this.head = head + 1;
    if (this.head === this.tail) {
      this.head = this.tail = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.tail) {
      // drop the released prefix now and then: O(1) amortised, no unbounded growth
      this.events = this.events.slice(this.head, this.tail);
      this.offsets = this.offsets.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    return event;
  }

  forEach(fn: (event: Event, offset: string) => void): void {
    for (let i = this.head; i < this.tail; i++) fn(this.events[i]!, this.offsets[i]!);
  }
}
