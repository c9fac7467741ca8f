import type { Metrics } from '../runtime/metrics.js';
import type { Sink, TableSpec } from '../sinks/sink.js';
import type { WindowSpec } from '../windows/window-spec.js';

export interface DependencyCheck {
  ok: boolean;
  detail?: string;
}

/** What the API reads from the running service; built by the runtime, faked in route tests. */
export interface ServiceContext {
  pipeline: string;
  windows: { spec: WindowSpec; table: TableSpec }[];
  sink: Sink;
  metrics: Metrics;
  readiness(): Promise<Record<string, DependencyCheck>>;
  stats(): Record<string, unknown>;
}
