/**
 * Alert channels: config names resolve through `alertChannels`. Adding a channel = one file + one
 * line here. Durable channels (webhook, Kafka) are wrapped in an {@link Outbox}; `table` rows go
 * through the monitor stage's `drainRows`; `log` writes at hand-over.
 */
import { join } from 'node:path';
import type { AlertChannelConfig } from '../../core/config/drift.js';
import type { Logger } from '../../core/logger.js';
import type { Alert } from './alert.js';
import type { AlertChannel } from './channel.js';
import { KafkaChannel } from './kafka.js';
import { LogChannel } from './log.js';
import { Outbox } from './outbox.js';
import { TableChannel } from './table.js';
import { WebhookChannel } from './webhook.js';

export interface ChannelContext {
  logger?: Logger;
}

type ConfigOf<T extends AlertChannelConfig['type']> = Extract<AlertChannelConfig, { type: T }>;

/** One registry entry: how the channel is built and whether it needs the durable outbox. */
export interface ChannelEntry<C extends AlertChannelConfig> {
  durable: boolean;
  create(config: C, ctx: ChannelContext): AlertChannel;
}

export const alertChannels: { [T in AlertChannelConfig['type']]: ChannelEntry<ConfigOf<T>> } = {
  webhook: {
    durable: true,
    create: (c) =>
      new WebhookChannel({
        name: c.name,
        url: c.url,
        secret: c.secret,
        timeoutMs: c.timeoutMs,
        headers: c.headers,
      }),
  },
  kafka: {
    durable: true,
    create: (c, ctx) =>
      new KafkaChannel({
        name: c.name,
        brokers: c.brokers,
        topic: c.topic,
        clientId: c.clientId,
        createPartitions: c.createPartitions,
        logger: ctx.logger,
      }),
  },
  table: { durable: false, create: (c) => new TableChannel(c.name) },
  log: { durable: false, create: (c, ctx) => new LogChannel(c.name, ctx.logger) },
};

/** Builds one channel from its config. */
export function createAlertChannel(config: AlertChannelConfig, ctx: ChannelContext = {}): AlertChannel {
  const entry = alertChannels[config.type] as ChannelEntry<AlertChannelConfig>;
  return entry.create(config, ctx);
}

/**
 * All channels of a pipeline: outboxes for the durable ones (under `outboxDir/<name>`), the table
 * channel (rows), and the immediate ones. {@link dispatch} is what the monitor stage calls in
 * `afterCheckpoint`.
 */
export class AlertDispatcher {
  private constructor(
    readonly outboxes: Outbox[],
    readonly immediate: AlertChannel[],
    readonly table: TableChannel | null,
    private readonly logger?: Logger,
    private readonly drainOnCloseMs = 0,
  ) {}

  static async create(
    config: { channels: AlertChannelConfig[]; outboxDir: string; drainOnStop?: number },
    ctx: ChannelContext = {},
    /** Channels built elsewhere (tests), wrapped in outboxes like durable configured ones. */
    extra: { channel: AlertChannel; maxAttempts: number; initialDelayMs: number; maxDelayMs: number }[] = [],
  ): Promise<AlertDispatcher> {
    const outboxes: Outbox[] = [];
    const immediate: AlertChannel[] = [];
    let table: TableChannel | null = null;
    const durable = [...extra];
    for (const c of config.channels) {
      const channel = createAlertChannel(c, ctx);
      if (channel instanceof TableChannel) table = channel;
      else if (c.type === 'webhook' || c.type === 'kafka')
        durable.push({
          channel,
          maxAttempts: c.maxAttempts,
          initialDelayMs: c.initialDelayMs,
          maxDelayMs: c.maxDelayMs,
        });
      else immediate.push(channel);
    }
    for (const d of durable)
      outboxes.push(
        await Outbox.open({ ...d, dir: join(config.outboxDir, d.channel.name), logger: ctx.logger }),
      );
    return new AlertDispatcher(outboxes, immediate, table, ctx.logger, config.drainOnStop ?? 0);
  }

  /** Starts the outboxes' delivery loops. */
  start(): void {
    for (const o of this.outboxes) o.start();
  }

  /** Hands alerts over: durably into each outbox (dedup by id), then to the immediate channels. */
  async dispatch(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    for (const o of this.outboxes) await o.enqueue(alerts);
    for (const c of this.immediate)
      for (const a of alerts)
        await c
          .publish(a)
          .catch((err) => this.logger?.warn({ err, channel: c.name }, 'alert channel failed'));
  }

  /**
   * Closes the channels. Alerts still pending get up to `drainOnStop` to go out first (a finite
   * input's last alerts, a receiver that is just recovering); what remains stays in the durable
   * outbox and goes out at the next start.
   */
  async close(): Promise<void> {
    if (this.drainOnCloseMs > 0)
      await Promise.all(
        this.outboxes.map((o) =>
          o
            .drain(this.drainOnCloseMs)
            .catch((err: unknown) =>
              this.logger?.warn(
                { channel: o.channel.name, err: (err as Error).message },
                'alerts still pending at stop: delivered at the next start',
              ),
            ),
        ),
      );
    for (const o of this.outboxes) await o.close();
    for (const c of [...this.outboxes.map((o) => o.channel), ...this.immediate]) await c.close?.();
  }
}

export * from './alert.js';
export type { AlertChannel } from './channel.js';
export { KafkaChannel, type KafkaChannelOptions } from './kafka.js';
export { LogChannel } from './log.js';
export { Outbox, type OutboxOptions } from './outbox.js';
export * from './signature.js';
export { ALERTS_TABLE, TableChannel } from './table.js';
export { WebhookChannel, type WebhookOptions } from './webhook.js';
