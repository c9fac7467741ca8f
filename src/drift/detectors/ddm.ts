import { z } from 'zod';
import {
  checkState,
  decodeNumber,
  encodeNumber,
  type DetectorState,
  type WarningDetector,
} from '../detector.js';
import { RunningMean } from './running-mean.js';

/** DDM's options; defaults are River's. */
export const ddmOptionsSchema = z
  .object({
    /** No detection before this many values. */
    warmStart: z.number().int().nonnegative().default(30),
    /** Warning when p + s > p_min + warningThreshold · s_min. */
    warningThreshold: z.number().positive().default(2),
    /** Drift when p + s > p_min + driftThreshold · s_min. */
    driftThreshold: z.number().positive().default(3),
  })
  .strict();
export type DdmOptions = z.input<typeof ddmOptionsSchema>;

/**
 * Drift Detection Method (Gama et al. 2004) on a 0/1 error stream (1 = error), as River's
 * `binary.DDM`.
 */
export class Ddm implements WarningDetector {
  readonly name = 'ddm';
  readonly options: Required<DdmOptions>;
  private p = new RunningMean();
  private pMin = NaN;
  private sMin = NaN;
  private psMin = Infinity;
  private detected = false;
  private warning = false;

  constructor(options: DdmOptions = {}) {
    this.options = ddmOptionsSchema.parse(options);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  get warningDetected(): boolean {
    return this.warning;
  }

  update(x: number): this {
    if (this.detected) this.reset();
    this.p.update(x);
    const pi = this.p.mean;
    const n = this.p.n;
    const si = Math.sqrt((pi * (1 - pi)) / n);
    if (n > this.options.warmStart) {
      if (pi + si <= this.psMin) {
        this.pMin = pi;
        this.sMin = si;
        this.psMin = this.pMin + this.sMin;
      }
      this.warning = pi + si > this.pMin + this.options.warningThreshold * this.sMin;
      if (pi + si > this.pMin + this.options.driftThreshold * this.sMin) {
        this.detected = true;
        this.warning = false;
      }
    }
    return this;
  }

  reset(): void {
    this.p = new RunningMean();
    this.pMin = NaN;
    this.sMin = NaN;
    this.psMin = Infinity;
    this.detected = false;
    this.warning = false;
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      options: { ...this.options },
      state: {
        p: this.p.toJSON(),
        pMin: encodeNumber(this.pMin),
        sMin: encodeNumber(this.sMin),
        psMin: encodeNumber(this.psMin),
        detected: this.detected,
        warning: this.warning,
      },
    };
  }

  static fromJSON(json: DetectorState): Ddm {
    checkState(json, 'ddm');
    const d = new Ddm(json.options as DdmOptions);
    const s = json.state;
    d.p = RunningMean.fromJSON(s.p);
    d.pMin = decodeNumber(s.pMin);
    d.sMin = decodeNumber(s.sMin);
    d.psMin = decodeNumber(s.psMin);
    d.detected = s.detected as boolean;
    d.warning = s.warning as boolean;
    return d;
  }
}
