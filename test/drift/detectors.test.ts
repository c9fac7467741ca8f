import { describe, expect, it } from 'vitest';
import type { WarningDetector } from '../../src/drift/detector.js';
import {
  createDetector,
  detectors,
  restoreDetector,
  type DetectorName,
} from '../../src/drift/detectors/index.js';
import { PythonRandom } from '../../src/drift/detectors/python-random.js';
import { loadFixture } from './fixtures.js';

interface DetectorCase {
  name: string;
  detector: DetectorName;
  params: Record<string, unknown>;
  stream: number[];
  drifts: number[];
  warnings?: number[];
  doc?: string;
}
const fx = loadFixture<{ meta: { versions: Record<string, string> }; cases: DetectorCase[] }>(
  'detectors.json',
);

function run(name: DetectorName, params: Record<string, unknown>, stream: number[]) {
  const d = createDetector(name, params as never);
  const drifts: number[] = [];
  const warnings: number[] = [];
  stream.forEach((x, i) => {
    d.update(x);
    if (d.driftDetected) drifts.push(i);
    if ((d as Partial<WarningDetector>).warningDetected) warnings.push(i);
  });
  return { drifts, warnings };
}

describe(`detectors flag exactly River ${fx.meta.versions.river}'s indices`, () => {
  for (const c of fx.cases) {
    it(`${c.name}${c.doc ? ` (docstring: ${c.doc})` : ''}`, () => {
      const got = run(c.detector, c.params, c.stream);
      expect(got.drifts).toEqual(c.drifts);
      if (c.warnings) expect(got.warnings).toEqual(c.warnings);
    });
  }
});

describe('PythonRandom equals CPython random', () => {
  it('random.Random(42).sample(range(70), 30)', () => {
    // python3 -c "import random; print(random.Random(42).sample(range(70), 30))"
    const out = new Int32Array(30);
    new PythonRandom(42).sampleRange(70, 30, out);
    expect(Array.from(out)).toEqual(PY_SAMPLE_42);
  });
  it('random.Random(12345).getrandbits(32) × 3', () => {
    const r = new PythonRandom(12345);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual(PY_BITS_12345);
  });
});

// Filled from CPython 3.11 (see comments above).
const PY_SAMPLE_42 = [
  14, 3, 35, 31, 28, 17, 13, 43, 47, 57, 34, 5, 37, 27, 2, 1, 58, 63, 69, 32, 38, 54, 67, 12, 45, 41, 59, 26,
  51, 65,
];
const PY_BITS_12345 = [1789368711, 3146859322, 43676229];

describe('conformance: every registered detector', () => {
  const gauss = fx.cases.find((c) => c.name === 'adwin-gauss')!.stream;
  const bits = fx.cases.find((c) => c.name === 'ddm-long')!.stream;
  for (const name of Object.keys(detectors) as DetectorName[]) {
    const stream = detectors[name].binary ? bits : gauss;
    const flags = (d: ReturnType<typeof createDetector>, xs: number[]) =>
      xs.map((x) => d.update(x).driftDetected);

    describe(name, () => {
      it('update returns this', () => {
        const d = createDetector(name);
        expect(d.update(stream[0]!)).toBe(d);
      });

      it('reset returns to the initial behaviour', () => {
        const d = createDetector(name);
        const first = flags(d, stream.slice(0, 3000));
        d.reset();
        expect(d.driftDetected).toBe(false);
        expect(flags(d, stream.slice(0, 3000))).toEqual(first);
      });

      it('toJSON → fromJSON mid-stream continues identically (also through JSON text)', () => {
        const straight = createDetector(name);
        const expected = flags(straight, stream);
        for (const cut of [1, 37, 1500, 4321]) {
          const d = createDetector(name);
          const before = flags(d, stream.slice(0, cut));
          const restored = restoreDetector(JSON.parse(JSON.stringify(d.toJSON())));
          expect(restored.driftDetected).toBe(d.driftDetected);
          expect([...before, ...flags(restored, stream.slice(cut))]).toEqual(expected);
        }
      });

      it('detects no drift on a constant stream', () => {
        const d = createDetector(name);
        const v = detectors[name].binary ? 0 : 3.5;
        for (let i = 0; i < 5000; i++) expect(d.update(v).driftDetected).toBe(false);
        const e = createDetector(name);
        if (detectors[name].binary)
          for (let i = 0; i < 5000; i++) expect(e.update(1).driftDetected).toBe(false);
      });

      it('rejects bad options', () => {
        expect(() => createDetector(name, { nonsense: 1 } as never)).toThrow();
      });

      it('state names its detector', () => {
        const other = (Object.keys(detectors) as DetectorName[]).find((n) => n !== name)!;
        const state = { ...createDetector(other).toJSON() };
        expect(() => detectors[name].fromJSON(state)).toThrow(TypeError);
      });
    });
  }
});
