import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { Adwin, type AdwinOptions } from '../../src/drift/detectors/adwin.js';
import { loadFixture } from './fixtures.js';

/**
 * River's `AdaptiveWindowing` (rust_src/adwin.rs, river 0.26) transcribed literally: shifting
 * arrays, no pre-check, merge on every insert. Slow and obvious, it is the oracle the optimised
 * detector must match bit for bit on streams too long to keep as River fixtures.
 */
class RiverAdwin {
  private buckets: { totals: number[]; variances: number[] }[] = [];
  private total = 0;
  private variance = 0;
  private width = 0;
  private tick = 0;
  private detected = false;

  get driftDetected(): boolean {
    return this.detected;
  }

  constructor(private readonly o: Required<AdwinOptions>) {
    this.clear();
  }

  private clear(): void {
    this.buckets = [{ totals: [], variances: [] }];
    this.total = this.variance = this.width = this.tick = 0;
  }

  update(x: number): this {
    if (this.detected) this.clear();
    this.insert(x);
    this.detected = this.detectChange();
    return this;
  }

  private insert(value: number): void {
    this.buckets[0]!.totals.push(value);
    this.buckets[0]!.variances.push(0);
    this.width += 1;
    let inc = 0;
    if (this.width > 1) {
      const d = value - this.total / (this.width - 1);
      inc = ((this.width - 1) * d * d) / this.width;
    }
    this.variance += inc;
    this.total += value;
    for (let idx = 0; this.buckets[idx]!.totals.length === this.o.maxBuckets + 1; idx++) {
      const b = this.buckets[idx]!;
      const n1 = 2 ** idx;
      const mu1 = b.totals[0]! / n1;
      const mu2 = b.totals[1]! / n1;
      const v12 = b.variances[0]! + b.variances[1]! + n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2);
      if (idx + 1 >= this.buckets.length) this.buckets.push({ totals: [], variances: [] });
      this.buckets[idx + 1]!.totals.push(b.totals[0]! + b.totals[1]!);
      this.buckets[idx + 1]!.variances.push(v12);
      b.totals.splice(0, 2);
      b.variances.splice(0, 2);
      if (this.buckets[idx + 1]!.totals.length <= this.o.maxBuckets) break;
    }
  }

  private deleteElement(): void {
    const last = this.buckets.length - 1;
    const n = 2 ** last;
    const u = this.buckets[last]!.totals.shift()!;
    const v = this.buckets[last]!.variances.shift()!;
    const mu = u / n;
    this.width -= n;
    this.total -= u;
    const muWindow = this.total / this.width;
    this.variance -= v + (n * this.width * (mu - muWindow) * (mu - muWindow)) / (n + this.width);
    if (this.buckets[last]!.totals.length === 0) this.buckets.pop();
  }

  private detectChange(): boolean {
    let changed = false;
    this.tick += 1;
    if (this.tick % this.o.clock !== 0 || !(this.width > this.o.gracePeriod)) return false;
    const minLen = this.o.minWindowLength;
    for (let reduce = true; reduce;) {
      reduce = false;
      let [n0, n1, u0, u1] = [0, this.width, 0, this.total];
      scan: for (let idx = this.buckets.length - 1; idx >= 0; idx--) {
        const size = 2 ** idx;
        const count = this.buckets[idx]!.totals.length;
        for (let k = 0; k < count; k++) {
          n0 += size;
          n1 -= size;
          u0 += this.buckets[idx]!.totals[k]!;
          u1 -= this.buckets[idx]!.totals[k]!;
          if (idx === 0 && k === count - 1) break scan;
          const deltaMean = u0 / n0 - u1 / n1;
          if (n1 >= minLen && n0 >= minLen && this.evaluateCut(n0, n1, deltaMean)) {
            reduce = changed = true;
            this.deleteElement();
            break scan;
          }
        }
      }
    }
    return changed;
  }

  private evaluateCut(n0: number, n1: number, deltaMean: number): boolean {
    const { minWindowLength: minLen, delta } = this.o;
    const deltaPrime = Math.log((2 * Math.log(this.width)) / delta);
    const mRecip = 1 / (n0 - minLen + 1) + 1 / (n1 - minLen + 1);
    const epsilon =
      Math.sqrt(2 * mRecip * (this.variance / this.width) * deltaPrime) + (2 / 3) * deltaPrime * mRecip;
    return Math.abs(deltaMean) > epsilon;
  }
}

/** Piecewise streams: segments of random length, each with its own mean and spread. */
function stream(seed: number, length: number, kind: 'gauss' | 'bits' | 'steps' | 'scaled'): number[] {
  const rng = new Random(seed);
  const xs: number[] = [];
  while (xs.length < length) {
    const n = 50 + rng.int(3000);
    const mean = rng.gaussian() * 2;
    const sd = 0.1 + rng.next() * 2;
    const p = rng.next();
    for (let i = 0; i < n && xs.length < length; i++) {
      if (kind === 'bits') xs.push(rng.next() < p ? 1 : 0);
      else if (kind === 'steps') xs.push(Math.round(mean * 3));
      else if (kind === 'scaled') xs.push(1e6 + (mean + sd * rng.gaussian()) * 1e-3);
      else xs.push(mean + sd * rng.gaussian());
    }
  }
  return xs;
}

function flags(d: { update(x: number): { driftDetected: boolean } }, xs: number[]): number[] {
  const out: number[] = [];
  xs.forEach((x, i) => {
    if (d.update(x).driftDetected) out.push(i);
  });
  return out;
}

const defaults = (o: AdwinOptions): Required<AdwinOptions> => new Adwin(o).options;

describe('Adwin matches a literal transcription of River', () => {
  const fx = loadFixture<{
    cases: { detector: string; params: AdwinOptions; stream: number[]; drifts: number[] }[];
  }>('detectors.json');
  it('the transcription flags River’s own indices on the committed fixtures', () => {
    const adwinCases = fx.cases.filter((c) => c.detector === 'adwin');
    expect(adwinCases.length).toBeGreaterThanOrEqual(3);
    for (const c of adwinCases) expect(flags(new RiverAdwin(defaults(c.params)), c.stream)).toEqual(c.drifts);
  });

  const cases: [string, AdwinOptions][] = [
    ['defaults', {}],
    ['clock 1, δ 0.01', { clock: 1, delta: 0.01 }],
    ['clock 7, maxBuckets 2', { clock: 7, maxBuckets: 2 }],
    ['maxBuckets 9, minWindowLength 1, gracePeriod 0', { maxBuckets: 9, minWindowLength: 1, gracePeriod: 0 }],
    ['clock 100, δ 0.3, minWindowLength 20', { clock: 100, delta: 0.3, minWindowLength: 20 }],
  ];
  for (const [name, options] of cases) {
    for (const kind of ['gauss', 'bits', 'steps', 'scaled'] as const) {
      it(`${name}, ${kind} stream of 60k`, () => {
        const xs = stream(name.length * 31 + kind.length, 60_000, kind);
        const expected = flags(new RiverAdwin(defaults(options)), xs);
        expect(flags(new Adwin(options), xs)).toEqual(expected);
        if (kind === 'gauss') expect(expected.length).toBeGreaterThan(5);
      });
    }
  }

  it('keeps River’s window statistics, not just its flags', () => {
    const xs = stream(5, 20_000, 'gauss');
    const a = new Adwin();
    const r = new RiverAdwin(defaults({}));
    for (const x of xs) {
      a.update(x);
      r.update(x);
      const rs = r as unknown as { width: number; total: number };
      expect([a.windowWidth, a.estimation]).toEqual([rs.width, rs.width === 0 ? 0 : rs.total / rs.width]);
    }
  });
});

describe('Adwin state', () => {
  it('round-trips through JSON at every offset of a clock period, continuing identically', () => {
    const xs = stream(11, 12_000, 'gauss');
    const expected = flags(new Adwin(), xs);
    for (let cut = 3000; cut < 3000 + 40; cut++) {
      const d = new Adwin();
      const before = flags(d, xs.slice(0, cut));
      const text = JSON.stringify(d.toJSON());
      const restored = Adwin.fromJSON(JSON.parse(text));
      expect(JSON.stringify(restored.toJSON())).toBe(text);
      expect([...before, ...flags(restored, xs.slice(cut)).map((i) => i + cut)]).toEqual(expected);
    }
  });

  it('writes buckets oldest first in the checkpoint layout, level by level', () => {
    const d = new Adwin({ maxBuckets: 2, clock: 1000 });
    for (let i = 1; i <= 7; i++) d.update(i);
    // River with max_buckets 2 merges on a third bucket: after 7, level 1 held [1+2, 3+4, 5+6] and
    // its two oldest became level 2's [10]; level 1 keeps [11], level 0 [7].
    const s = d.toJSON().state as { levels: number; sizes: number[]; totals: number[]; variances: number[] };
    expect(s.levels).toBe(3);
    expect(s.sizes).toEqual([1, 1, 1]);
    expect(s.totals).toEqual([7, 0, 0, 11, 0, 0, 10, 0, 0]);
    // variances: (5−6)²/2 = 0.5; level 2: 0.5 + 0.5 + 2·0.5·(1.5 − 3.5)² = 5
    expect(s.variances).toEqual([0, 0, 0, 0.5, 0, 0, 5, 0, 0]);
  });
});
