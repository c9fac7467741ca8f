/**
 * CPython's `random.Random` for integer seeds — MT19937 seeded by `init_by_array`, `getrandbits`,
 * `_randbelow` and `sample` — so seeded detectors draw exactly what River draws.
 */
const N = 624;
const M = 397;

export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;
  private pool = new Int32Array(0);
  private taken = new Uint8Array(0);

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const s = Math.abs(seed);
    const hi = Math.floor(s / 2 ** 32);
    this.initByArray(hi > 0 ? [s >>> 0, hi] : [s >>> 0]);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) >>> 0) + key[j]! + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) >>> 0) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** 32 random bits (`genrand_uint32`). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      for (let kk = 0; kk < N; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[(kk + 1) % N]! & 0x7fffffff);
        mt[kk] = mt[(kk + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random._randbelow(n)` for 1 ≤ n < 2³²: rejection sampling on `n.bit_length()` bits. */
  randBelow(n: number): number {
    const shift = Math.clz32(n);
    let r = this.nextUint32() >>> shift;
    while (r >= n) r = this.nextUint32() >>> shift;
    return r;
  }

  /** `random.sample(range(n), k)` written into `out[0..k)`, same draws and order as CPython 3.11. */
  sampleRange(n: number, k: number, out: Int32Array): void {
    if (k < 0 || k > n) throw new RangeError('sample larger than population');
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setsize) {
      if (this.pool.length < n) this.pool = new Int32Array(n);
      const pool = this.pool;
      for (let i = 0; i < n; i++) pool[i] = i;
      for (let i = 0; i < k; i++) {
        const j = this.randBelow(n - i);
        out[i] = pool[j]!;
        pool[j] = pool[n - i - 1]!;
      }
    } else {
      if (this.taken.length < n) this.taken = new Uint8Array(n);
      const taken = this.taken;
      taken.fill(0, 0, n);
      for (let i = 0; i < k; i++) {
        let j = this.randBelow(n);
        while (taken[j]) j = this.randBelow(n);
        taken[j] = 1;
        out[i] = j;
      }
    }
  }

  /** Generator state for checkpoints. */
  getState(): number[] {
    return [...this.mt, this.mti];
  }

  setState(state: readonly number[]): void {
    this.mt.set(state.slice(0, N));
    this.mti = state[N]!;
  }
}
