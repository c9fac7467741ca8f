import { z } from 'zod';
import type { Json } from '../model.js';
import { AdaGrad } from './ada-grad.js';
import { Adam } from './adam.js';
import { FTRLProximal } from './ftrl.js';
import type { Optimizer } from './optimizer.js';
import { SchedulerSchema } from './schedulers.js';
import { SGD } from './sgd.js';

export type { Optimizer } from './optimizer.js';
export { SchedulerSchema, makeScheduler, type Scheduler, type SchedulerOptions } from './schedulers.js';
export { SGD, Adam, AdaGrad, FTRLProximal };

/** Optimizer options; the registry of optimizers is this union (defaults as River's). */
export const OptimizerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sgd'), lr: SchedulerSchema.default(0.01) }).strict(),
  z
    .object({
      type: z.literal('adam'),
      lr: SchedulerSchema.default(0.1),
      beta1: z.number().min(0).lt(1).default(0.9),
      beta2: z.number().min(0).lt(1).default(0.999),
      eps: z.number().positive().default(1e-8),
    })
    .strict(),
  z
    .object({
      type: z.literal('adagrad'),
      lr: SchedulerSchema.default(0.1),
      eps: z.number().positive().default(1e-8),
    })
    .strict(),
  z
    .object({
      type: z.literal('ftrl'),
      alpha: z.number().positive().default(0.05),
      beta: z.number().nonnegative().default(1.0),
      l1: z.number().nonnegative().default(0.0),
      l2: z.number().nonnegative().default(1.0),
    })
    .strict(),
]);
/** Optimizer options as written in a config. */
export type OptimizerOptions = z.input<typeof OptimizerSchema>;

/** Builds an optimizer for weight arrays of the given capacity. */
export function makeOptimizer(options: OptimizerOptions, capacity = 16): Optimizer {
  const o = OptimizerSchema.parse(options);
  switch (o.type) {
    case 'sgd':
      return new SGD(o.lr);
    case 'adam':
      return new Adam(o.lr, o.beta1, o.beta2, o.eps, capacity);
    case 'adagrad':
      return new AdaGrad(o.lr, o.eps, capacity);
    case 'ftrl':
      return new FTRLProximal(o.alpha, o.beta, o.l1, o.l2, capacity);
  }
}

/** Builds an optimizer from its options and restores the state saved by `toState`. */
export function optimizerFromState(options: OptimizerOptions, state: Json, capacity: number): Optimizer {
  const opt = makeOptimizer(options, capacity);
  // Each optimizer's `restore` reads exactly the fields its own `toState` wrote.
  (opt as unknown as { restore(s: Json, c: number): void }).restore(state, capacity);
  return opt;
}
