/**
 * Registry of streaming drift detectors: config names resolve through `detectors`. Adding a
 * detector = one file + one line here; the conformance test then covers it.
 */
import type { z } from 'zod';
import type { DetectorState, DriftDetector } from '../detector.js';
import { Adwin, adwinOptionsSchema } from './adwin.js';
import { Ddm, ddmOptionsSchema } from './ddm.js';
import { Eddm, eddmOptionsSchema } from './eddm.js';
import { HddmA, hddmAOptionsSchema } from './hddm-a.js';
import { Kswin, kswinOptionsSchema } from './kswin.js';
import { PageHinkley, pageHinkleyOptionsSchema } from './page-hinkley.js';

/** One registry entry: the options schema, a factory and the checkpoint loader. */
export interface DetectorEntry<S extends z.ZodType, D extends DriftDetector> {
  readonly schema: S;
  /** Whether the detector expects a 0/1 error stream rather than real values. */
  readonly binary: boolean;
  create(options?: z.input<S>): D;
  fromJSON(state: DetectorState): D;
}

const entry = <S extends z.ZodType, D extends DriftDetector>(e: DetectorEntry<S, D>): DetectorEntry<S, D> =>
  e;

export const detectors = {
  adwin: entry({
    schema: adwinOptionsSchema,
    binary: false,
    create: (o) => new Adwin(o),
    fromJSON: Adwin.fromJSON,
  }),
  'page-hinkley': entry({
    schema: pageHinkleyOptionsSchema,
    binary: false,
    create: (o) => new PageHinkley(o),
    fromJSON: PageHinkley.fromJSON,
  }),
  kswin: entry({
    schema: kswinOptionsSchema,
    binary: false,
    create: (o) => new Kswin(o),
    fromJSON: Kswin.fromJSON,
  }),
  ddm: entry({ schema: ddmOptionsSchema, binary: true, create: (o) => new Ddm(o), fromJSON: Ddm.fromJSON }),
  eddm: entry({
    schema: eddmOptionsSchema,
    binary: true,
    create: (o) => new Eddm(o),
    fromJSON: Eddm.fromJSON,
  }),
  'hddm-a': entry({
    schema: hddmAOptionsSchema,
    binary: true,
    create: (o) => new HddmA(o),
    fromJSON: HddmA.fromJSON,
  }),
} as const;

export type DetectorName = keyof typeof detectors;
/** Options accepted by the detector named `N`. */
export type DetectorOptions<N extends DetectorName> = z.input<(typeof detectors)[N]['schema']>;

/** Builds a detector by registry name; bad options throw a ZodError naming the field. */
export function createDetector<N extends DetectorName>(name: N, options?: DetectorOptions<N>): DriftDetector {
  const e = detectors[name] as DetectorEntry<z.ZodType, DriftDetector> | undefined;
  if (!e) throw new TypeError(`unknown drift detector '${String(name)}'`);
  return e.create(options);
}

/** Rebuilds a detector from its `toJSON()` state (e.g. a checkpoint). */
export function restoreDetector(state: DetectorState): DriftDetector {
  const e = detectors[state.detector as DetectorName] as DetectorEntry<z.ZodType, DriftDetector> | undefined;
  if (!e) throw new TypeError(`unknown drift detector '${state.detector}'`);
  return e.fromJSON(state);
}

export { Adwin, Ddm, Eddm, HddmA, Kswin, PageHinkley };
export type { AdwinOptions } from './adwin.js';
export type { DdmOptions } from './ddm.js';
export type { EddmOptions } from './eddm.js';
export type { HddmAOptions } from './hddm-a.js';
export type { KswinOptions } from './kswin.js';
export type { PageHinkleyOptions } from './page-hinkley.js';
export { PythonRandom } from './python-random.js';
