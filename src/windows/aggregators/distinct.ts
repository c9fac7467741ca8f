import type { Aggregator, AggregatorOptions, Json } from '../aggregator.js';
import { hashHi, hashLo, hashNumber, hashString } from './murmur3.js';
import { badOption, badState, field, finiteField } from './values.js';

/** Default precision: 2^14 registers (16 KiB), standard error 1.04/√16384 ≈ 0.8%. */
export const DEFAULT_DISTINCT_PRECISION = 14;

const SEED = 0x5eed1e55;
/** Booleans hash as the numbers 0/1 under another seed, so they never collide with numbers by design. */
const BOOLEAN_SEED = SEED ^ 0x1;
/** Ertl's α∞ = 1 / (2 ln 2): the bias constant of the estimator as m → ∞. */
const ALPHA_INF = 0.5 / Math.LN2;

/** HyperLogLog registers: `registers[j]` is the largest rank seen for bucket j (0 = untouched). */
export interface HllState {
  registers: Uint8Array;
}

/**
 * Approximate count of distinct values: HyperLogLog with 2^p registers (`accuracy` = p, integer
 * 4..18, default 14) over a 64-bit MurmurHash3. Merge is the register-wise max, so it is exact,
 * associative and commutative. Strings are hashed by their characters, numbers by their IEEE-754
 * bits (not `String(x)`, which would allocate per event; a field has one type, so numbers and
 * strings never need to hash alike). The estimate uses Ertl's improved raw estimator (2017),
 * which folds the small-range (linear counting) correction of HLL++ into one formula that is
 * unbiased across the whole range, with no empirical bias tables.
 *
 * @example
 * const agg = distinct();
 * agg.result(['a', 'b', 'a', 'c'].reduce(agg.add, agg.create())); // 3
 */
export function distinct(options: AggregatorOptions = {}): Aggregator<HllState, number> {
  const p = options.accuracy ?? DEFAULT_DISTINCT_PRECISION;
  if (!Number.isInteger(p) || p < 4 || p > 18) {
    throw badOption(
      'distinct',
      'accuracy',
      `is the HyperLogLog precision in bits, an integer 4..18; got ${p}`,
    );
  }
  const m = 1 << p;
  const indexShift = 32 - p;
  // Ranks run 1..q+1 where q = 64 − p bits remain after the index.
  const q = 64 - p;

  return {
    fn: 'distinct',
    resultType: 'int64',
    needsField: true,
    create: () => ({ registers: new Uint8Array(m) }),
    add(state, value) {
      if (typeof value === 'string') hashString(value, SEED);
      else if (typeof value === 'number') hashNumber(value, SEED);
      else hashNumber(value ? 1 : 0, BOOLEAN_SEED);
      const lo = hashLo;
      const index = lo >>> indexShift;
      // Rank = 1 + leading zeros of the 64 − p bits after the index (the rest of lo, then hi).
      const rest = lo << p;
      const rank = rest !== 0 ? Math.clz32(rest) + 1 : indexShift + Math.clz32(hashHi) + 1;
      const registers = state.registers;
      if (rank > registers[index]!) registers[index] = rank;
      return state;
    },
    merge(a, b) {
      const ra = a.registers;
      const rb = b.registers;
      for (let j = 0; j < m; j++) if (rb[j]! > ra[j]!) ra[j] = rb[j]!;
      return a;
    },
    result: (state) => estimate(state.registers, q),
    toJSON: (state): Json => ({
      p,
      r: Buffer.from(state.registers.buffer, state.registers.byteOffset, m).toString('base64'),
    }),
    fromJSON(json) {
      const stored = finiteField(json, 'p');
      if (stored !== p) throw badState(`distinct sketch has precision ${stored}, this aggregate uses ${p}`);
      const r = field(json, 'r');
      if (typeof r !== 'string') throw badState('distinct registers must be a base64 string');
      const bytes = Buffer.from(r, 'base64');
      if (bytes.length !== m) throw badState(`distinct registers must be ${m} bytes, got ${bytes.length}`);
      return { registers: new Uint8Array(bytes) };
    },
  };
}

/**
 * Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (2017), Algorithm 6:
 * the harmonic mean of the registers, corrected at both ends with σ (registers still 0 — the
 * linear-counting regime) and τ (registers at the maximum rank q + 1).
 */
function estimate(registers: Uint8Array, q: number): number {
  const m = registers.length;
  const histogram = new Float64Array(q + 2);
  for (let j = 0; j < m; j++) histogram[registers[j]!]!++;
  let z = m * tau((m - histogram[q + 1]!) / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
  z += m * sigma(histogram[0]! / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k−1); σ(1) = ∞ (an empty sketch estimates 0). */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z !== previous);
  return z;
}

/** τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² · 2^−k) / 3. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (z !== previous);
  return z / 3;
}
