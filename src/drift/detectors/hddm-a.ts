import { z } from 'zod';
import { checkState, type DetectorState, type WarningDetector } from '../detector.js';
import { RunningMean } from './running-mean.js';

/** HDDM_A's options; defaults are River's. */
export const hddmAOptionsSchema = z
  .object({
    driftConfidence: z.number().gt(0).lt(1).default(0.001),
    warningConfidence: z.number().gt(0).lt(1).default(0.005),
    /** Also watch decreases of the mean. */
    twoSidedTest: z.boolean().default(false),
  })
  .strict();
export type HddmAOptions = z.input<typeof hddmAOptionsSchema>;

/**
 * Drift detection with Hoeffding bounds on moving averages (Frías-Blanco et al. 2014), as River's
 * `binary.HDDMA` (itself after MOA).
 */
export class HddmA implements WarningDetector {
  readonly name = 'hddm-a';
  readonly options: Required<HddmAOptions>;
  private xMin = new RunningMean();
  private xMax = new RunningMean();
  private z = new RunningMean();
  private detected = false;
  private warning = false;

  constructor(options: HddmAOptions = {}) {
    this.options = hddmAOptionsSchema.parse(options);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  get warningDetected(): boolean {
    return this.warning;
  }

  private bound(n: number): number {
    return Math.sqrt((1 / (2 * n)) * Math.log(1 / this.options.driftConfidence));
  }

  private meanIncrease(confidence: number): boolean {
    if (this.xMin.n === this.z.n) return false;
    const m = ((this.z.n - this.xMin.n) / this.xMin.n) * (1 / this.z.n);
    return this.z.mean - this.xMin.mean >= Math.sqrt((m / 2) * Math.log(2 / confidence));
  }

  private meanDecrease(confidence: number): boolean {
    if (this.xMax.n === this.z.n) return false;
    const m = ((this.z.n - this.xMax.n) / this.xMax.n) * (1 / this.z.n);
    return this.xMax.mean - this.z.mean >= Math.sqrt((m / 2) * Math.log(2 / confidence));
  }

  update(x: number): this {
    if (this.detected) this.reset();
    const z = this.z;
    z.update(x);
    if (this.xMin.n === 0) this.xMin.copyFrom(z);
    if (this.xMax.n === 0) this.xMax.copyFrom(z);
    const epsZ = this.bound(z.n);
    if (this.xMin.mean + this.bound(this.xMin.n) >= z.mean + epsZ) this.xMin.copyFrom(z);
    if (this.xMax.mean - this.bound(this.xMax.n) <= z.mean - epsZ) this.xMax.copyFrom(z);
    const { driftConfidence, warningConfidence } = this.options;
    if (this.meanIncrease(driftConfidence)) {
      this.warning = false;
      this.detected = true;
    } else if (this.meanIncrease(warningConfidence)) {
      this.warning = true;
      this.detected = false;
    } else {
      this.warning = false;
      this.detected = false;
    }
    if (this.options.twoSidedTest) {
      if (this.meanDecrease(driftConfidence)) this.detected = true;
      else if (this.meanDecrease(warningConfidence)) this.warning = true;
    }
    return this;
  }

  reset(): void {
    this.xMin = new RunningMean();
    this.xMax = new RunningMean();
    this.z = new RunningMean();
    this.detected = false;
    this.warning = false;
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      options: { ...this.options },
      state: {
        xMin: this.xMin.toJSON(),
        xMax: this.xMax.toJSON(),
        z: this.z.toJSON(),
        detected: this.detected,
        warning: this.warning,
      },
    };
  }

  static fromJSON(json: DetectorState): HddmA {
    checkState(json, 'hddm-a');
    const d = new HddmA(json.options as HddmAOptions);
    d.xMin = RunningMean.fromJSON(json.state.xMin);
    d.xMax = RunningMean.fromJSON(json.state.xMax);
    d.z = RunningMean.fromJSON(json.state.z);
    d.detected = json.state.detected as boolean;
    d.warning = json.state.warning as boolean;
    return d;
  }
}
