import type { WindowConfig } from '../core/config/index.js';
import { PaneStore, paneShareKey, paneSize } from './pane-store.js';
import { SessionWindow } from './session-window.js';
import { SlicedWindow } from './sliced-window.js';
import type { WindowOperator } from './window-operator.js';
import { compileWindow, type WindowSpec } from './window-spec.js';

export type { AddOutcome, WindowOperator } from './window-operator.js';
export {
  compileWindow,
  windowTableSpec,
  windowTableName,
  columnName,
  type WindowSpec,
} from './window-spec.js';
export { WatermarkTracker } from './watermark.js';

/** Window types by config name: one file each. */
const OPERATORS: Record<WindowConfig['type'], new (spec: WindowSpec) => WindowOperator> = {
  tumbling: SlicedWindow,
  hopping: SlicedWindow,
  session: SessionWindow,
};

export function createWindowOperator(spec: WindowSpec): WindowOperator {
  return new OPERATORS[spec.config.type](spec);
}

export function createWindow(
  pipeline: string,
  config: WindowConfig,
): { spec: WindowSpec; operator: WindowOperator } {
  const spec = compileWindow(pipeline, config);
  return { spec, operator: createWindowOperator(spec) };
}

/**
 * A pipeline's windows, in config order. Sliced windows with interchangeable panes (same slide,
 * group-by, aggregates and allowed lateness; see {@link paneShareKey}) share one pane store, so
 * an event updates those aggregates once however many such windows there are.
 */
export function createWindows(
  pipeline: string,
  configs: readonly WindowConfig[],
): { spec: WindowSpec; operator: WindowOperator }[] {
  const stores = new Map<string, PaneStore>();
  return configs.map((config) => {
    const spec = compileWindow(pipeline, config);
    const key = paneShareKey(spec);
    if (key === null) return { spec, operator: createWindowOperator(spec) };
    let store = stores.get(key);
    if (store === undefined) {
      store = new PaneStore(spec, paneSize(spec)!);
      stores.set(key, store);
    }
    return { spec, operator: new SlicedWindow(spec, store) };
  });
}
