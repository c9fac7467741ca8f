import { z } from 'zod';
import {
  checkState,
  decodeNumber,
  encodeNumber,
  type DetectorState,
  type DriftDetector,
} from '../detector.js';
import { RunningMean } from './running-mean.js';

/** Page-Hinkley's options; defaults are River's. */
export const pageHinkleyOptionsSchema = z
  .object({
    /** No detection before this many values. */
    minInstances: z.number().int().nonnegative().default(30),
    /** Magnitude of change tolerated. */
    delta: z.number().nonnegative().default(0.005),
    /** Detection threshold λ. */
    threshold: z.number().positive().default(50),
    /** Forgetting factor of the cumulative sums. */
    alpha: z
      .number()
      .gt(0)
      .lte(1)
      .default(1 - 0.0001),
    /** Watch increases, decreases or both. */
    mode: z.enum(['up', 'down', 'both']).default('both'),
  })
  .strict();
export type PageHinkleyOptions = z.input<typeof pageHinkleyOptionsSchema>;

/** Page-Hinkley test (CUSUM on deviations from the running mean), as River's `PageHinkley`. */
export class PageHinkley implements DriftDetector {
  readonly name = 'page-hinkley';
  readonly options: Required<PageHinkleyOptions>;
  private mean = new RunningMean();
  private sumIncrease = 0;
  private sumDecrease = 0;
  private minIncrease = Infinity;
  private maxDecrease = -1;
  private detected = false;

  constructor(options: PageHinkleyOptions = {}) {
    this.options = pageHinkleyOptionsSchema.parse(options);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  update(x: number): this {
    if (this.detected) this.reset();
    const { alpha, delta, threshold, mode, minInstances } = this.options;
    this.mean.update(x);
    const dev = x - this.mean.mean;
    this.sumIncrease = alpha * this.sumIncrease + dev - delta;
    this.sumDecrease = alpha * this.sumDecrease + dev + delta;
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease;
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease;
    if (this.mean.n >= minInstances) {
      const up = this.sumIncrease - this.minIncrease > threshold;
      const down = this.maxDecrease - this.sumDecrease > threshold;
      this.detected = mode === 'up' ? up : mode === 'down' ? down : up || down;
    }
    return this;
  }

  reset(): void {
    this.mean = new RunningMean();
    this.sumIncrease = 0;
    this.sumDecrease = 0;
    this.minIncrease = Infinity;
    this.maxDecrease = -1;
    this.detected = false;
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      options: { ...this.options },
      state: {
        mean: this.mean.toJSON(),
        sumIncrease: this.sumIncrease,
        sumDecrease: this.sumDecrease,
        minIncrease: encodeNumber(this.minIncrease),
        maxDecrease: this.maxDecrease,
        detected: this.detected,
      },
    };
  }

  static fromJSON(json: DetectorState): PageHinkley {
    checkState(json, 'page-hinkley');
    const d = new PageHinkley(json.options as PageHinkleyOptions);
    const s = json.state;
    d.mean = RunningMean.fromJSON(s.mean);
    d.sumIncrease = s.sumIncrease as number;
    d.sumDecrease = s.sumDecrease as number;
    d.minIncrease = decodeNumber(s.minIncrease);
    d.maxDecrease = s.maxDecrease as number;
    d.detected = s.detected as boolean;
    return d;
  }
}
