import { describe, expect, it } from 'vitest';
import { StreamlearnError } from '../../../src/core/errors.js';
import type { Aggregator } from '../../../src/windows/aggregator.js';
import {
  AGGREGATORS,
  createAggregator,
  isAggregatorName,
  isTimedAggregator,
  type Value,
} from '../../../src/windows/aggregators/index.js';
import { count } from '../../../src/windows/aggregators/count.js';
import { first } from '../../../src/windows/aggregators/first.js';
import { last } from '../../../src/windows/aggregators/last.js';
import { max } from '../../../src/windows/aggregators/max.js';
import { mean } from '../../../src/windows/aggregators/mean.js';
import { min } from '../../../src/windows/aggregators/min.js';
import { sum } from '../../../src/windows/aggregators/sum.js';
import { stddev, variance } from '../../../src/windows/aggregators/variance.js';

/** Feeds `values` to a fresh state and returns the result. */
function run<S, R>(agg: Aggregator<S, R>, values: Value[]): R {
  return agg.result(values.reduce((s, v) => agg.add(s, v), agg.create()));
}

describe('exact aggregates', () => {
  it('count counts every value, whatever its type', () => {
    expect(run(count(), ['a', 3, true, 0])).toBe(4);
    expect(run(count(), [])).toBe(0);
  });

  it('sum compensates rounding (the documented example) and is 0 when empty', () => {
    expect(run(sum(), [1e16, 1, -1e16])).toBe(1);
    expect([1e16, 1, -1e16].reduce((a, b) => a + b)).toBe(0); // what a naive sum gives
    expect(run(sum(), [0.1, 0.2, 0.3])).toBe(0.6);
    expect(run(sum(), [])).toBe(0);
    expect(run(sum(), ['x', true, 2])).toBe(2);
  });

  it('sum keeps ±Infinity and NaN through results and checkpoints', () => {
    const agg = sum();
    const s = [1, Infinity, 2].reduce(agg.add, agg.create());
    expect(agg.result(s)).toBe(Infinity);
    const restored = agg.fromJSON(JSON.parse(JSON.stringify(agg.toJSON(s))));
    expect(agg.result(restored)).toBe(Infinity);
    expect(agg.result(agg.add(restored, -Infinity))).toBeNaN();
  });

  it('mean averages numbers only and is null without them', () => {
    expect(run(mean(), [1, 2, 'x', 6])).toBe(3);
    expect(run(mean(), ['x'])).toBeNull();
  });

  it('min and max skip non-numbers and NaN, and are null without numbers', () => {
    expect(run(min(), [3, -1, 'x', NaN, 2])).toBe(-1);
    expect(run(max(), [3, -1, 'x', NaN, 2])).toBe(3);
    expect(run(max(), [-Infinity])).toBe(-Infinity);
    expect(run(min(), [NaN, 'x'])).toBeNull();
    expect(run(max(), [])).toBeNull();
  });

  it('variance and stddev are the sample (ddof = 1) statistics, null below two values', () => {
    expect(run(variance(), [2, 4, 4, 4, 5, 5, 7, 9])).toBe(4.571428571428571);
    expect(run(stddev(), [1, 3])).toBe(Math.SQRT2);
    expect(run(variance(), [5])).toBeNull();
    expect(run(stddev(), [])).toBeNull();
    // Welford stays exact where sum-of-squares cancels catastrophically.
    expect(run(variance(), [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16])).toBe(30);
  });
});

describe('first / last', () => {
  it('pick by event time, not arrival order (the documented examples)', () => {
    for (const [agg, expected] of [
      [first(), 'a'],
      [last(), 'b'],
    ] as const) {
      let s = agg.create();
      s = agg.addAt(s, 'b', 20);
      s = agg.addAt(s, 'a', 10);
      expect(agg.result(s)).toBe(expected);
    }
  });

  it('break equal timestamps by value, whatever the arrival order', () => {
    for (const order of [
      ['m', 'z', 'a'],
      ['a', 'm', 'z'],
      ['z', 'a', 'm'],
    ]) {
      const f = first();
      const l = last();
      expect(f.result(order.reduce((s, v) => f.addAt(s, v, 5), f.create()))).toBe('a');
      expect(l.result(order.reduce((s, v) => l.addAt(s, v, 5), l.create()))).toBe('z');
    }
  });

  it('fall back to arrival order for untimed adds, and are null when empty', () => {
    expect(run(first(), ['x', 'y', 'z'])).toBe('x');
    expect(run(last(), ['x', 'y', 'z'])).toBe('z');
    expect(run(first(), [])).toBeNull();
  });

  it('round-trip typed values through JSON, NaN included', () => {
    const agg = last();
    for (const v of [NaN, 'NaN', true, -0.5, '']) {
      const s = agg.addAt(agg.create(), v, 1);
      const restored = agg.fromJSON(JSON.parse(JSON.stringify(agg.toJSON(s))));
      expect(agg.result(restored)).toStrictEqual(v);
      expect(restored.ts).toBe(1);
    }
  });

  it('are the timed aggregators, and the only ones', () => {
    const timed = Object.entries(AGGREGATORS)
      .filter(([, factory]) => isTimedAggregator(factory({})))
      .map(([name]) => name);
    expect(timed).toEqual(['first', 'last']);
  });
});

describe('registry', () => {
  it('registers the documented names', () => {
    expect(Object.keys(AGGREGATORS)).toEqual([
      'count',
      'sum',
      'mean',
      'min',
      'max',
      'variance',
      'stddev',
      'first',
      'last',
      'quantile',
      'distinct',
      'topk',
    ]);
  });

  it('builds aggregates by name with their options', () => {
    expect(createAggregator('quantile', { q: 0.99 }).fn).toBe('quantile');
    expect(createAggregator('count').fn).toBe('count');
    expect(isAggregatorName('topk')).toBe(true);
    expect(isAggregatorName('median')).toBe(false);
    expect(isAggregatorName('toString')).toBe(false); // not fooled by Object.prototype
  });

  it('rejects an unknown name with a config error listing the known ones', () => {
    let error: unknown;
    try {
      createAggregator('median', {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StreamlearnError);
    expect((error as StreamlearnError).code).toBe('SL_ERR_CONFIG');
    expect((error as Error).message).toBe(
      'Unknown aggregate "median"; known: count, sum, mean, min, max, variance, stddev, first, last, quantile, distinct, topk',
    );
  });

  it('rejects corrupt checkpoints loudly', () => {
    expect(() => sum().fromJSON({ s: 'x', c: 0 })).toThrow(StreamlearnError);
    expect(() => count().fromJSON(-1)).toThrow(/non-negative integer/);
    expect(() => mean().fromJSON([1, 2])).toThrow(/expected an object/);
  });
});
