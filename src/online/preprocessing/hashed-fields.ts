import type { z } from 'zod';
import { fieldReader, type FieldReader } from '../../core/field-reader.js';
import { RowBuckets, bucketMask, bucketOf } from './buckets.js';
import type { FeatureHasherOptions } from './feature-hasher.js';
import { hashRest, pairPrefix } from './murmur3.js';

/**
 * {@link FeatureHasher.transformSparse} of the categorical fields `names` of an event, read as
 * `{ [name]: String(value) }` over the fields present (null and absent ones skipped): the same
 * entries, order and sums, with `name=` hashed once at construction (see {@link FeatureHasher.forFields}).
 */
export class HashedFields {
  readonly names: readonly string[];
  /** Per field, the hash state after `name=`: mixed blocks, pending code unit (-1: none), length. */
  private readonly prefixH: Int32Array;
  private readonly prefixLow: Int32Array;
  private readonly prefixUnits: Int32Array;
  private readonly mask: number;
  private readonly read: FieldReader;
  /** The field values of the event being hashed, as `read` copies them. */
  private readonly fieldValues: unknown[];
  private readonly written = new RowBuckets();

  constructor(
    names: readonly string[],
    private readonly options: z.output<typeof FeatureHasherOptions>,
  ) {
    this.names = [...new Set(names)]; // as the keys of a dict
    const prefixes = this.names.map((name) => pairPrefix(name, options.seed));
    this.prefixH = Int32Array.from(prefixes, (p) => p.h);
    this.prefixLow = Int32Array.from(prefixes, (p) => p.low);
    this.prefixUnits = Int32Array.from(prefixes, (p) => p.units);
    this.mask = bucketMask(options.nFeatures);
    this.read = fieldReader(this.names);
    this.fieldValues = this.names.map(() => undefined);
  }

  /** Writes entries from `start` and returns the position after the last (see `transformSparse`). */
  transformSparse(
    x: Readonly<Record<string, unknown>>,
    indices: Int32Array,
    values: Float64Array,
    start = 0,
  ): number {
    const { fieldValues, prefixH, prefixLow, prefixUnits, written } = this;
    const { nFeatures, alternateSign } = this.options;
    const mask = this.mask;
    this.read(x, fieldValues);
    written.next();
    let n = start;
    for (let f = 0; f < fieldValues.length; f++) {
      const v = fieldValues[f];
      if (v === null || v === undefined) continue;
      const h = hashRest(prefixH[f]!, prefixLow[f]!, prefixUnits[f]!, typeof v === 'string' ? v : String(v));
      const value = alternateSign && h < 0 ? -1 : 1;
      const b = bucketOf(h, nFeatures, mask);
      const k = written.positionOf(b, indices, start, n);
      if (k === n) {
        indices[n] = b;
        values[n++] = value;
      } else values[k] = values[k]! + value;
    }
    return n;
  }
}
