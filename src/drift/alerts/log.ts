import type { Logger } from '../../core/logger.js';
import type { Alert } from './alert.js';
import type { AlertChannel } from './channel.js';

/** Writes each alert to the service log (warn for warning/drift, info for resolved). */
export class LogChannel implements AlertChannel {
  readonly type = 'log';

  constructor(
    readonly name: string,
    private readonly logger?: Logger,
  ) {}

  async publish(alert: Alert): Promise<void> {
    const msg = `drift alert: ${alert.feature}/${alert.measure} ${alert.state}`;
    if (alert.state === 'resolved') this.logger?.info({ alert }, msg);
    else this.logger?.warn({ alert }, msg);
  }
}
