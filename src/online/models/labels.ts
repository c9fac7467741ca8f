import type { Label } from '../model.js';

/** Classes in first-seen order (River's dict insertion order), keyed by `String(label)`. */
export class LabelSet {
  readonly labels: Label[] = [];
  readonly keys: string[] = [];
  private readonly map = new Map<string, number>();

  get size(): number {
    return this.labels.length;
  }

  /** The class index of `y`, or -1. */
  get(y: Label): number {
    return this.map.get(String(y)) ?? -1;
  }

  /** The class index of `y`, adding it when new. */
  add(y: Label): number {
    const key = String(y);
    let c = this.map.get(key);
    if (c === undefined) {
      c = this.labels.length;
      this.map.set(key, c);
      this.labels.push(y);
      this.keys.push(key);
    }
    return c;
  }

  /** `{String(label): scores[c]}` for every class. */
  record(scores: Float64Array | number[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (let c = 0; c < this.keys.length; c++) out[this.keys[c]!] = scores[c]!;
    return out;
  }

  /** The first class with the largest score (River's `max(d, key=d.get)`), or null when empty. */
  argmax(scores: Float64Array | number[]): Label | null {
    let best = -1;
    let bestS = -Infinity;
    for (let c = 0; c < this.labels.length; c++) {
      if (scores[c]! > bestS) {
        bestS = scores[c]!;
        best = c;
      }
    }
    return best < 0 ? null : this.labels[best]!;
  }
}

/** River's `utils.math.softmax`, in place on the first `n` entries. */
export function softmaxInPlace(s: Float64Array | number[], n: number): void {
  if (n === 0) return;
  let max = -Infinity;
  for (let c = 0; c < n; c++) if (s[c]! > max) max = s[c]!;
  let total = 0;
  for (let c = 0; c < n; c++) {
    s[c] = Math.exp(s[c]! - max);
    total += s[c]!;
  }
  for (let c = 0; c < n; c++) s[c] = s[c]! / total;
}

/** Probabilities from joint log-likelihoods, via log-sum-exp (River's `BaseNB.predict_proba_one`). */
export function probaFromJll(jll: number[]): number[] {
  if (jll.length === 0) return [];
  let max = -Infinity;
  for (const v of jll) if (v > max) max = v;
  if (!Number.isFinite(max)) max = 0;
  let s = 0;
  for (const v of jll) s += Math.exp(v - max);
  const lse = Math.log(s) + max;
  return jll.map((v) => Math.exp(v - lse));
}
