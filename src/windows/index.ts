import type { WindowConfig } from '../core/config/index.js';
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
