import type { Message, Producer } from 'kafkajs';
import { Random } from '../../src/core/random.js';
import { sleep } from '../../src/core/retry.js';
import type { EventGenerator } from '../../src/ingest/generator.js';

/** Largest send: one second of a fast stream, so a late tick catches up without a huge request. */
const MAX_SEND = 20_000;
const TICK_MS = 50;

/**
 * Produces `EventGenerator` events to a topic, keyed by user (a user's events share a partition).
 * Event time is the wall time of production minus up to `disorderMs`, so windows close at the
 * pace of the clock and a long run holds a bounded number of open windows.
 */
export class EventProducer {
  /** Messages acknowledged by the broker. */
  produced = 0;
  private readonly jitter: Random;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    public generator: EventGenerator,
    private readonly disorderMs: number,
    seed = 1,
  ) {
    this.jitter = new Random(seed);
  }

  async send(n: number): Promise<void> {
    const now = Date.now();
    const messages: Message[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const event = this.generator.next();
      event.ts = now - Math.floor(this.jitter.next() * this.disorderMs);
      messages[i] = { key: event.user as string, value: JSON.stringify(event) };
    }
    await this.producer.send({ topic: this.topic, messages, acks: -1 });
    this.produced += n;
  }

  /**
   * Keeps `backlog()` (produced − consumed) near `cap` until `until`: the pipeline always has
   * input waiting, so what it consumes is its maximum rate, while the topic never runs far ahead.
   */
  async keepAhead(backlog: () => number, cap: number, until: () => boolean): Promise<void> {
    while (!until()) {
      const room = cap - backlog();
      if (room > 0) await this.send(Math.min(room, MAX_SEND));
      else await sleep(TICK_MS);
    }
  }

  /**
   * Produces `rate` events per wall-clock second for `seconds`, in small sends on a schedule
   * (not one per event); a send that runs late is caught up on the next tick.
   * Returns how many events were due, to compare with `produced`.
   */
  async atRate(rate: number, seconds: number, stop: () => boolean = () => false): Promise<number> {
    const t0 = Date.now();
    const end = t0 + seconds * 1000;
    let sent = 0;
    while (Date.now() < end && !stop()) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate);
      const n = Math.min(due - sent, MAX_SEND);
      if (n > 0) {
        await this.send(n);
        sent += n;
      } else await sleep(TICK_MS);
    }
    return Math.floor(((Math.min(Date.now(), end) - t0) / 1000) * rate);
  }
}
