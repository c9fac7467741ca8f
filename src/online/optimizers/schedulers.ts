import { z } from 'zod';

/**
 * Learning-rate schedules, as River's `optim.schedulers`: `get(t)` is the rate at iteration `t`
 * (the optimizer's count of steps taken so far).
 */
export const SchedulerSchema = z.union([
  z.number().nonnegative(),
  z.object({ type: z.literal('constant'), learningRate: z.number().nonnegative() }).strict(),
  z
    .object({
      type: z.literal('inverse-scaling'),
      learningRate: z.number().positive(),
      power: z.number().default(0.5),
    })
    .strict(),
  z
    .object({
      type: z.literal('optimal'),
      /** The loss whose gradient at (true, -typw) sets the initial rate (Bottou's heuristic). */
      loss: z.enum(['log', 'squared', 'hinge']).default('log'),
      alpha: z.number().positive().default(1e-4),
    })
    .strict(),
]);
/** Scheduler options: a number means a constant rate. */
export type SchedulerOptions = z.input<typeof SchedulerSchema>;

/** A learning-rate schedule. */
export interface Scheduler {
  get(t: number): number;
  /** Set when the rate never changes: `get(t)` is this value for every `t`. */
  readonly constant?: number;
}

/** Builds a scheduler from (already validated) options. */
export function makeScheduler(options: SchedulerOptions): Scheduler {
  const o = SchedulerSchema.parse(options);
  if (typeof o === 'number') return constant(o);
  switch (o.type) {
    case 'constant':
      return constant(o.learningRate);
    case 'inverse-scaling': {
      const { learningRate, power } = o;
      return { get: (t) => learningRate / Math.pow(t + 1, power) };
    }
    case 'optimal': {
      const alpha = o.alpha;
      const typw = Math.sqrt(1.0 / Math.sqrt(alpha));
      const initialEta0 = typw / Math.max(1.0, lossGradientAtTrue(o.loss, -typw));
      const t0 = 1.0 / (initialEta0 * alpha);
      return { get: (t) => 1.0 / (alpha * (t0 + t)) };
    }
  }
}

function constant(lr: number): Scheduler {
  return { get: () => lr, constant: lr };
}

// River's loss gradients at y_true = True, as used by `Optimal.__init__`.
function lossGradientAtTrue(loss: 'log' | 'squared' | 'hinge', yPred: number): number {
  switch (loss) {
    case 'log': {
      const z = yPred;
      if (z > 18.0) return Math.exp(-z) * -1;
      if (z < -18.0) return -1;
      return -1 / (Math.exp(z) + 1.0);
    }
    case 'squared':
      return 2 * (yPred - 1);
    case 'hinge':
      return yPred <= 1 ? -1 : 0;
  }
}
