/**
 * The aggregate registry: config names (`aggregates[].fn`) resolve here. Adding an aggregate is one
 * file and one line below; test/windows/aggregators/conformance.test.ts then tests it at once.
 */
import { StreamlearnError } from '../../core/errors.js';
import type { Aggregator, AggregatorFactory, AggregatorOptions } from '../aggregator.js';
import { count } from './count.js';
import { distinct } from './distinct.js';
import { first } from './first.js';
import { last } from './last.js';
import { max } from './max.js';
import { mean } from './mean.js';
import { min } from './min.js';
import { quantile } from './quantile.js';
import { sum } from './sum.js';
import { topk } from './topk.js';
import { stddev, variance } from './variance.js';

export { isTimedAggregator, type TimedAggregator } from './first.js';
export { SlidingMax, SlidingMin, type SlidingWindowOptions } from './sliding-extreme.js';
export type { TopKEntry } from './topk.js';
export type { Value } from './values.js';

/** Every aggregate by config name. */
export const AGGREGATORS: Readonly<Record<string, AggregatorFactory>> = Object.freeze({
  count,
  sum,
  mean,
  min,
  max,
  variance,
  stddev,
  first,
  last,
  quantile,
  distinct,
  topk,
});

/** Whether `fn` names a registered aggregate. */
export function isAggregatorName(fn: string): boolean {
  return Object.hasOwn(AGGREGATORS, fn);
}

/**
 * Builds the aggregate `fn` with `options`. Unknown names and invalid options throw a
 * `StreamlearnError` with code `SL_ERR_CONFIG`, so a bad pipeline fails at start.
 *
 * @example
 * const p99 = createAggregator('quantile', { q: 0.99 });
 * createAggregator('median', {}); // throws: Unknown aggregate "median"; known: count, sum, ...
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createAggregator(fn: string, options: AggregatorOptions = {}): Aggregator<any, any> {
  const factory = isAggregatorName(fn) ? AGGREGATORS[fn] : undefined;
  if (factory === undefined) {
    throw new StreamlearnError(
      'SL_ERR_CONFIG',
      `Unknown aggregate "${fn}"; known: ${Object.keys(AGGREGATORS).join(', ')}`,
    );
  }
  return factory(options);
}
