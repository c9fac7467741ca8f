/**
 * River's `stats.Mean` (and `stats.Var`, ddof 1) with the same floating-point operation order, so
 * detectors built on them flag the same indices as River.
 */
export class RunningMean {
  n = 0;
  mean = 0;

  update(x: number): void {
    this.n += 1;
    this.mean += (1 / this.n) * (x - this.mean);
  }

  copyFrom(other: RunningMean): void {
    this.n = other.n;
    this.mean = other.mean;
  }

  toJSON(): [number, number] {
    return [this.n, this.mean];
  }

  static fromJSON(json: unknown): RunningMean {
    const [n, mean] = json as [number, number];
    const m = new RunningMean();
    m.n = n;
    m.mean = mean;
    return m;
  }
}

/** Welford variance, River's `stats.Var(ddof=1)`. */
export class RunningVar {
  readonly mean = new RunningMean();
  s = 0;

  update(x: number): void {
    const old = this.mean.mean;
    this.mean.update(x);
    this.s += 1 * (x - old) * (x - this.mean.mean);
  }

  get(): number {
    return this.mean.n > 1 ? this.s / (this.mean.n - 1) : 0;
  }
}
