import type { Aggregator, AggregatorOptions, Json, MergedResult } from '../aggregator.js';
import { hashHi, hashLo, hashNumber, hashString } from './murmur3.js';
import { badOption, badState, field, finiteField } from './values.js';

/** Default precision: 2^14 registers (16 KiB), standard error 1.04/√16384 ≈ 0.8%. */
export const DEFAULT_DISTINCT_PRECISION = 14;

const SEED = 0x5eed1e55;
/** Booleans hash as the numbers 0/1 under another seed, so they never collide with numbers by design. */
const BOOLEAN_SEED = SEED ^ 0x1;
/** Ertl's α∞ = 1 / (2 ln 2): the bias constant of the estimator as m → ∞. */
const ALPHA_INF = 0.5 / Math.LN2;

/**
 * HyperLogLog registers: `registers[j]` is the largest rank seen for bucket j (0 = untouched).
 * A sketch starts sparse — only the touched registers, as sorted `index << 6 | rank` entries in
 * `sparse[0..size)` — and turns dense (`registers`, 2^p bytes) once the entries would take more
 * than an eighth of that. Most groups of a window see few distinct values (a user's devices), and
 * 10k groups × 16 KiB of dense registers per pane would be 160 MB per pane; sparse, a few bytes.
 * The representation never changes a result: both hold exactly the same registers.
 */
export interface HllState {
  /** Dense registers, or null while the sketch is sparse. */
  registers: Uint8Array | null;
  /**
   * Sorted sparse entries (null while empty or once dense); only the first `size` are used. A plain
   * array of small integers, not a Uint32Array: a small typed array costs ~200 bytes of objects.
   */
  sparse: number[] | null;
  size: number;
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
export function distinct(
  options: AggregatorOptions = {},
): Aggregator<HllState, number> & MergedResult<HllState, number> {
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
  /** Past this many entries a sparse sketch turns dense (4 bytes an entry: at most m/2 bytes). */
  const maxSparse = Math.max(4, m >> 3);
  /** Rank histogram for `result`, reused (one result at a time; nothing escapes it). */
  const scratch = new Float64Array(q + 2);
  /**
   * σ of the untouched share by the number of touched registers, up to a sparse sketch's most
   * (NaN: not computed yet). σ near 1 takes ~30 squarings, and emitting a window's groups, most
   * of them sparse, asks for the same few values over and over.
   */
  const sigmaByTouched = new Float64Array(maxSparse + 1).fill(Number.NaN);
  const estimateOf = (histogram: Float64Array): number => {
    const touched = m - histogram[0]!;
    if (touched > maxSparse) return estimate(histogram, m, q, sigma(histogram[0]! / m));
    let s = sigmaByTouched[touched]!;
    if (s !== s) s = sigmaByTouched[touched] = sigma(histogram[0]! / m); // NaN: first time
    return estimate(histogram, m, q, s);
  };

  /** Raises register `index` to `rank` (if higher), in whichever form the sketch is. */
  const update = (state: HllState, index: number, rank: number): void => {
    const registers = state.registers;
    if (registers !== null) {
      if (rank > registers[index]!) registers[index] = rank;
      return;
    }
    const entries = state.sparse;
    const size = state.size;
    // binary search by index (the entry's high bits), so entry order is index order
    let lo = 0;
    let hi = size;
    const key = index << 6;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entries![mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    if (lo < size && entries![lo]! >>> 6 === index) {
      if (rank > (entries![lo]! & 63)) entries![lo] = key | rank;
      return;
    }
    if (size >= maxSparse) {
      toDense(state)[index] = rank;
      return;
    }
    let target = entries;
    if (target === null || size === target.length) {
      // exact growth while small (most groups touch a handful of registers), doubling beyond
      target = new Array<number>(Math.min(maxSparse, size < 8 ? size + 1 : size * 2));
      for (let j = 0; j < lo; j++) target[j] = entries![j]!;
      state.sparse = target;
    }
    for (let j = size; j > lo; j--) target[j] = entries![j - 1]!;
    target[lo] = key | rank;
    state.size = size + 1;
  };

  /** Union registers for `mergedResult`, all 0 between calls, and which of them a call touched. */
  let unionRegisters: Uint8Array | null = null;
  let touched: Uint32Array | null = null;

  /**
   * The estimate of the register-wise max of `states[0..k)`, which is what merging them gives in
   * either representation. Sparse states (the usual case in a pane) only touch their entries.
   */
  const mergedResult = (states: readonly HllState[], k: number): number => {
    const union = (unionRegisters ??= new Uint8Array(m));
    const histogram = scratch;
    histogram.fill(0);
    let dense = false;
    for (let i = 0; i < k; i++) if (states[i]!.registers !== null) dense = true;
    if (dense) {
      for (let i = 0; i < k; i++) {
        const { registers, sparse, size } = states[i]!;
        if (registers !== null) {
          for (let j = 0; j < m; j++) if (registers[j]! > union[j]!) union[j] = registers[j]!;
        } else {
          for (let e = 0; e < size; e++) {
            const index = sparse![e]! >>> 6;
            if ((sparse![e]! & 63) > union[index]!) union[index] = sparse![e]! & 63;
          }
        }
      }
      for (let j = 0; j < m; j++) histogram[union[j]!]!++;
      union.fill(0);
      return estimateOf(histogram);
    }
    const list = (touched ??= new Uint32Array(m));
    let used = 0;
    for (let i = 0; i < k; i++) {
      const { sparse, size } = states[i]!;
      for (let e = 0; e < size; e++) {
        const index = sparse![e]! >>> 6;
        const rank = sparse![e]! & 63;
        if (union[index] === 0) list[used++] = index;
        if (rank > union[index]!) union[index] = rank;
      }
    }
    histogram[0] = m - used;
    for (let t = 0; t < used; t++) {
      histogram[union[list[t]!]!]!++;
      union[list[t]!] = 0;
    }
    return estimateOf(histogram);
  };

  const toDense = (state: HllState): Uint8Array => {
    const registers = new Uint8Array(m);
    const entries = state.sparse;
    for (let i = 0; i < state.size; i++) registers[entries![i]! >>> 6] = entries![i]! & 63;
    state.registers = registers;
    state.sparse = null;
    state.size = 0;
    return registers;
  };

  return {
    fn: 'distinct',
    resultType: 'int64',
    input: 'any',
    create: () => ({ registers: null, sparse: null, size: 0 }),
    add(state, value) {
      if (typeof value === 'string') hashString(value, SEED);
      else if (typeof value === 'number') hashNumber(value, SEED);
      else hashNumber(value ? 1 : 0, BOOLEAN_SEED);
      const lo = hashLo;
      const index = lo >>> indexShift;
      // Rank = 1 + leading zeros of the 64 − p bits after the index (the rest of lo, then hi).
      const rest = lo << p;
      const rank = rest !== 0 ? Math.clz32(rest) + 1 : indexShift + Math.clz32(hashHi) + 1;
      update(state, index, rank);
      return state;
    },
    merge(a, b) {
      const rb = b.registers;
      if (rb === null) {
        for (let i = 0; i < b.size; i++) update(a, b.sparse![i]! >>> 6, b.sparse![i]! & 63);
        return a;
      }
      const ra = a.registers ?? toDense(a);
      for (let j = 0; j < m; j++) if (rb[j]! > ra[j]!) ra[j] = rb[j]!;
      return a;
    },
    result(state) {
      const histogram = scratch;
      histogram.fill(0);
      const registers = state.registers;
      if (registers !== null) {
        for (let j = 0; j < m; j++) histogram[registers[j]!]!++;
      } else {
        histogram[0] = m - state.size;
        for (let i = 0; i < state.size; i++) histogram[state.sparse![i]! & 63]!++;
      }
      return estimateOf(histogram);
    },
    mergedResult,
    // Two forms, as in memory: sparse entries (`s`, a few bytes for a small group, so checkpoints of
    // many groups stay small) or dense registers (`r`); both base64. Either is read back.
    toJSON: (state): Json => {
      if (state.registers === null) {
        const le = Buffer.alloc(state.size * 4);
        for (let i = 0; i < state.size; i++) le.writeUInt32LE(state.sparse![i]!, i * 4);
        return { p, s: le.toString('base64') };
      }
      const registers = state.registers;
      return { p, r: Buffer.from(registers.buffer, registers.byteOffset, m).toString('base64') };
    },
    fromJSON(json) {
      const stored = finiteField(json, 'p');
      if (stored !== p) throw badState(`distinct sketch has precision ${stored}, this aggregate uses ${p}`);
      const sparseText = field(json, 's');
      if (sparseText !== undefined) return fromSparse(sparseText);
      const r = field(json, 'r');
      if (typeof r !== 'string') throw badState('distinct registers must be a base64 string');
      const bytes = Buffer.from(r, 'base64');
      if (bytes.length !== m) throw badState(`distinct registers must be ${m} bytes, got ${bytes.length}`);
      let used = 0;
      for (let j = 0; j < m; j++) if (bytes[j] !== 0) used++;
      if (used > maxSparse) return { registers: new Uint8Array(bytes), sparse: null, size: 0 };
      const state: HllState = {
        registers: null,
        sparse: used > 0 ? new Array<number>(used) : null,
        size: used,
      };
      for (let j = 0, i = 0; j < m; j++) if (bytes[j] !== 0) state.sparse![i++] = (j << 6) | bytes[j]!;
      return state;
    },
  };

  /** Sparse entries back, checked: sorted, distinct registers in range, ranks 1..64−p. */
  function fromSparse(text: unknown): HllState {
    if (typeof text !== 'string') throw badState('distinct sparse entries must be a base64 string');
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % 4 !== 0) throw badState('distinct sparse entries must be whole 32-bit words');
    const used = bytes.length / 4;
    if (used > maxSparse) throw badState(`distinct sketch has ${used} sparse entries, at most ${maxSparse}`);
    const entries = new Array<number>(used);
    for (let i = 0; i < used; i++) {
      const e = bytes.readUInt32LE(i * 4);
      const index = e >>> 6;
      const rank = e & 63;
      if (index >= m || rank === 0 || (i > 0 && index <= entries[i - 1]! >>> 6))
        throw badState('distinct sparse entries are corrupt');
      entries[i] = e;
    }
    return { registers: null, sparse: used > 0 ? entries : null, size: used };
  }
}

/**
 * Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (2017), Algorithm 6:
 * the harmonic mean of the registers (given as their histogram of ranks), corrected at both ends with σ (registers still 0 — the
 * linear-counting regime) and τ (registers at the maximum rank q + 1).
 */
/** Ertl's estimate from the rank histogram; `sigmaOfZeros` is σ(histogram[0] / m). */
function estimate(histogram: Float64Array, m: number, q: number, sigmaOfZeros: number): number {
  let z = m * tau((m - histogram[q + 1]!) / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
  z += m * sigmaOfZeros;
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
