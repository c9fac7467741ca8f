import { z } from 'zod';
import { checkState, type DetectorState, type DriftDetector } from '../detector.js';
import { ks2sampSorted } from '../measures/kolmogorov-smirnov.js';
import { PythonRandom } from './python-random.js';

/** KSWIN's options; defaults are River's, except that a seed is required (randomness only via `seed`). */
export const kswinOptionsSchema = z
  .object({
    /** Significance of the KS test; keep it below 0.01. */
    alpha: z.number().gt(0).lt(1).default(0.005),
    /** Length of the sliding window. */
    windowSize: z.number().int().positive().default(100),
    /** Length of the most recent part compared with a sample of the rest. */
    statSize: z.number().int().positive().default(30),
    /** Seed of the sampler (CPython's Mersenne Twister, as River). */
    seed: z.number().int().nonnegative().default(0),
  })
  .strict()
  .refine((o) => o.statSize * 2 <= o.windowSize, {
    message: 'windowSize must be at least 2 · statSize',
    path: ['statSize'],
  });
export type KswinOptions = z.input<typeof kswinOptionsSchema>;

/**
 * Kolmogorov–Smirnov Windowing (Raab et al. 2020), as River's `KSWIN`: the last `statSize` values
 * are tested against `statSize` values drawn from the rest of the window; drift when
 * `p ≤ alpha` and the statistic exceeds 0.1. Draws use CPython's `random.sample` with the same
 * seed, so indices match River's.
 */
export class Kswin implements DriftDetector {
  readonly name = 'kswin';
  readonly options: Required<z.output<typeof kswinOptionsSchema>>;
  private rng: PythonRandom;
  private readonly window: Float64Array;
  private start = 0;
  private length = 0;
  private n = 0;
  private p = 0;
  private detected = false;
  private readonly picks: Int32Array;
  private readonly sampled: Float64Array;
  private readonly recent: Float64Array;

  constructor(options: KswinOptions = {}) {
    this.options = kswinOptionsSchema.parse(options);
    this.rng = new PythonRandom(this.options.seed);
    this.window = new Float64Array(this.options.windowSize);
    this.picks = new Int32Array(this.options.statSize);
    this.sampled = new Float64Array(this.options.statSize);
    this.recent = new Float64Array(this.options.statSize);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  /** p-value of the last test (0 before the window is full). */
  get pValue(): number {
    return this.p;
  }

  update(x: number): this {
    if (this.detected) this.reset();
    const { windowSize: w, statSize: r, alpha } = this.options;
    this.n += 1;
    if (this.length < w) {
      this.window[(this.start + this.length) % w] = x;
      this.length += 1;
    } else {
      this.window[this.start] = x;
      this.start = (this.start + 1) % w;
    }
    this.detected = false;
    if (this.length >= w) {
      this.rng.sampleRange(w - r, r, this.picks);
      for (let i = 0; i < r; i++) {
        this.sampled[i] = this.window[(this.start + this.picks[i]!) % w]!;
        this.recent[i] = this.window[(this.start + w - r + i) % w]!;
      }
      this.sampled.sort();
      this.recent.sort();
      const res = ks2sampSorted(this.sampled, this.recent);
      this.p = res.pValue;
      this.detected = res.pValue <= alpha && res.statistic > 0.1;
    }
    return this;
  }

  reset(): void {
    this.rng = new PythonRandom(this.options.seed);
    this.start = 0;
    this.length = 0;
    this.n = 0;
    this.p = 0;
    this.detected = false;
  }

  toJSON(): DetectorState {
    const w = this.options.windowSize;
    const values: number[] = [];
    for (let i = 0; i < this.length; i++) values.push(this.window[(this.start + i) % w]!);
    return {
      detector: this.name,
      options: { ...this.options },
      state: { window: values, n: this.n, p: this.p, detected: this.detected, rng: this.rng.getState() },
    };
  }

  static fromJSON(json: DetectorState): Kswin {
    checkState(json, 'kswin');
    const d = new Kswin(json.options as KswinOptions);
    const s = json.state as unknown as {
      window: number[];
      n: number;
      p: number;
      detected: boolean;
      rng: number[];
    };
    const values = s.window;
    d.window.set(values);
    d.length = values.length;
    d.n = s.n;
    d.p = s.p;
    d.detected = s.detected;
    d.rng.setState(s.rng);
    return d;
  }
}
