import type { Row, TableSpec } from '../../sinks/sink.js';
import { alertRow, type Alert } from './alert.js';
import type { AlertChannel } from './channel.js';

/** The `alerts` table: one row per alert id (a replay rewrites the same row). */
export const ALERTS_TABLE: TableSpec = {
  name: 'alerts',
  columns: [
    { name: 'id', type: 'string' },
    { name: 'pipeline', type: 'string' },
    { name: 'feature', type: 'string' },
    { name: 'measure', type: 'string' },
    { name: 'state', type: 'string' },
    { name: 'severity', type: 'string' },
    { name: 'value', type: 'float64', nullable: true },
    { name: 'threshold', type: 'float64', nullable: true },
    { name: 'eventTime', type: 'int64' },
    { name: 'version', type: 'int64' },
    { name: 'alert', type: 'json' },
  ],
  key: ['id'],
  versionColumn: 'version',
  timeColumn: 'eventTime',
};

/**
 * Alerts as sink rows. Unlike the remote channels it is fed when the alert is raised (not after
 * the checkpoint): its rows go through the stage's `drainRows`, which the runtime writes durably
 * before committing, and the keyed table makes a replay idempotent.
 */
export class TableChannel implements AlertChannel {
  readonly type = 'table';
  private rows: Row[] = [];

  constructor(readonly name: string) {}

  async publish(alert: Alert): Promise<void> {
    this.add(alert);
  }

  add(alert: Alert): void {
    this.rows.push(alertRow(alert));
  }

  drain(): Row[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }
}
