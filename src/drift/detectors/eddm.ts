import { z } from 'zod';
import { checkState, type DetectorState, type WarningDetector } from '../detector.js';
import { RunningVar } from './running-mean.js';

/** EDDM's options; defaults are River's. */
export const eddmOptionsSchema = z
  .object({
    /** Values and errors needed before detecting. */
    warmStart: z.number().int().nonnegative().default(30),
    /** Warning level (ratio to the best p′ + 2s′). */
    alpha: z.number().gt(0).lt(1).default(0.95),
    /** Drift level; must not exceed `alpha`. */
    beta: z.number().gt(0).lt(1).default(0.9),
  })
  .strict()
  .refine((o) => o.alpha >= o.beta, { message: 'alpha must be greater or equal to beta', path: ['alpha'] });
export type EddmOptions = z.input<typeof eddmOptionsSchema>;

/**
 * Early Drift Detection Method (Baena-García et al. 2006): watches the distance between errors of
 * a 0/1 stream, as River's `binary.EDDM`.
 */
export class Eddm implements WarningDetector {
  readonly name = 'eddm';
  readonly options: Required<z.output<typeof eddmOptionsSchema>>;
  private distances = new RunningVar();
  private n = 0;
  private lastError = 0;
  private nErrors = 0;
  private p2sMax = -1;
  private detected = false;
  private warning = false;

  constructor(options: EddmOptions = {}) {
    this.options = eddmOptionsSchema.parse(options);
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  get warningDetected(): boolean {
    return this.warning;
  }

  update(x: number): this {
    if (this.detected) this.reset();
    this.n += 1;
    if (x === 1) {
      this.nErrors += 1;
      this.distances.update(this.n - this.lastError);
      if (this.n > this.options.warmStart) {
        const p2s = this.distances.mean.mean + 2 * Math.sqrt(this.distances.get());
        if (p2s > this.p2sMax) {
          this.p2sMax = p2s;
        } else if (this.nErrors > this.options.warmStart) {
          const level = p2s / this.p2sMax;
          if (level < this.options.beta) this.detected = true;
          else if (level < this.options.alpha) this.warning = true;
          else this.warning = false;
        }
      }
      this.lastError = this.n;
    }
    return this;
  }

  reset(): void {
    this.distances = new RunningVar();
    this.n = 0;
    this.lastError = 0;
    this.nErrors = 0;
    this.p2sMax = -1;
    this.detected = false;
    this.warning = false;
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      options: { ...this.options },
      state: {
        distances: [this.distances.mean.n, this.distances.mean.mean, this.distances.s],
        n: this.n,
        lastError: this.lastError,
        nErrors: this.nErrors,
        p2sMax: this.p2sMax,
        detected: this.detected,
        warning: this.warning,
      },
    };
  }

  static fromJSON(json: DetectorState): Eddm {
    checkState(json, 'eddm');
    const d = new Eddm(json.options as EddmOptions);
    const s = json.state as unknown as {
      distances: [number, number, number];
      n: number;
      lastError: number;
      nErrors: number;
      p2sMax: number;
      detected: boolean;
      warning: boolean;
    };
    const [n, mean, ss] = s.distances;
    d.distances.mean.n = n;
    d.distances.mean.mean = mean;
    d.distances.s = ss;
    d.n = s.n;
    d.lastError = s.lastError;
    d.nErrors = s.nErrors;
    d.p2sMax = s.p2sMax;
    d.detected = s.detected;
    d.warning = s.warning;
    return d;
  }
}
