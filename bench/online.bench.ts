/**
 * Online learning hot paths next to River's, on the same data in the same run:
 * logistic regression learnOne on 32 dense features (dense fast path and dict path), on hashed
 * sparse features (~20 active of 2^18 buckets through the feature hasher, as dicts and through the
 * sparse path, and the learner's path from decoded events: fillSparse + learnSparse), predictOne,
 * and the whole learner stage (predict → metrics → learn per event), dense and hashed.
 *
 * Run: npx tsx bench/online.bench.ts   (writes bench/results/online.json)
 * River runs from .venv-bench (created with `pip install river==0.26.1` when missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/core/config/index.js';
import { Random } from '../src/core/random.js';
import { createLogger } from '../src/core/logger.js';
import { createDecoder } from '../src/ingest/decoder.js';
import { ModelBundle } from '../src/online/learner/bundle.js';
import { OnlineLearner } from '../src/online/learner/learner.js';
import type { Features } from '../src/online/model.js';
import { LogisticRegression } from '../src/online/models/index.js';
import { FeatureHasher } from '../src/online/preprocessing/index.js';
import { HASHED_KEY_PREFIX } from '../src/online/preprocessing/feature-hasher.js';
import { MemoryCheckpointStore } from '../src/state/memory-store.js';
import { BENCH_DIR, compared, single, writeResults, type Figure } from './lib/results.js';

const ROOT = join(BENCH_DIR, '..');
const DIM = 32;
const ROWS = 50_000; // both sides read these; we loop over them for at least MIN_SECONDS
const SPARSE_FIELDS = 20;
const N_FEATURES = 2 ** 18;
const LR = 0.01;
const MIN_SECONDS = 1.5;

// ---- the data, written once and read back by both sides -------------------------------------
const rng = new Random(7);
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const truth = Array.from({ length: DIM }, () => rng.gaussian());
const denseX: number[][] = [];
const denseY: number[] = [];
for (let i = 0; i < ROWS; i++) {
  const row = Array.from({ length: DIM }, () => round6(rng.gaussian()));
  const z = row.reduce((s, v, k) => s + v * truth[k]!, 0) / Math.sqrt(DIM);
  denseX.push(row);
  denseY.push(rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
}
const sparseX: Record<string, string>[] = [];
const sparseY: number[] = [];
for (let i = 0; i < ROWS; i++) {
  const x: Record<string, string> = {};
  let z = 0;
  for (let f = 0; f < SPARSE_FIELDS; f++) {
    const v = rng.int(1_000);
    x[`c${f}`] = `v${v}`;
    z += (v % 7) - 3;
  }
  sparseX.push(x);
  sparseY.push(rng.next() < 1 / (1 + Math.exp(-z / 4)) ? 1 : 0);
}
const dir = mkdtempSync(join(tmpdir(), 'sl-bench-online-'));
const dataPath = join(dir, 'data.json');
writeFileSync(
  dataPath,
  JSON.stringify({
    dense: { X: denseX, y: denseY },
    sparse: { X: sparseX, y: sparseY },
    lr: LR,
    n_features: N_FEATURES,
  }),
);

// ---- our side --------------------------------------------------------------------------------
/** Runs `pass` (which handles `n` items) until MIN_SECONDS have passed; items per second. */
function rate(n: number, pass: () => void): number {
  pass(); // warm-up: JIT and weight slots
  let passes = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS * 1000) {
    pass();
    passes++;
    elapsed = performance.now() - start;
  }
  return (passes * n) / (elapsed / 1000);
}

const names = Array.from({ length: DIM }, (_, k) => `f${k}`);
const rows = denseX.map((r) => Float64Array.from(r));
const dicts: Features[] = denseX.map((r) => Object.fromEntries(names.map((n, k) => [n, r[k]!])));
const labels = denseY.map((y) => y === 1);
const sparseLabels = sparseY.map((y) => y === 1);
const sgd = { type: 'sgd' as const, lr: LR };
const origin0 = { partition: 'bench:0', offset: '0' };

const denseModel = new LogisticRegression({ optimizer: sgd });
denseModel.setDenseLayout(names);
const denseLearn = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) denseModel.learnDense(rows[i]!, labels[i]!);
});
let sink = 0;
const densePredict = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) sink += denseModel.predictDense(rows[i]!);
});
const dictModel = new LogisticRegression({ optimizer: sgd });
const dictLearn = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) dictModel.learnOne(dicts[i]!, labels[i]!);
});
const dictPredict = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) sink += dictModel.predictProbaOne(dicts[i]!).true!;
});
const hasher = new FeatureHasher({ nFeatures: N_FEATURES });
const hashedModel = new LogisticRegression({ optimizer: sgd });
const sparseLearn = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) hashedModel.learnOne(hasher.transformOne(sparseX[i]!), sparseLabels[i]!);
});
// the same rows through the sparse path: transformSparse into reused typed arrays + learnSparse
const sparsePathModel = new LogisticRegression({ optimizer: sgd });
sparsePathModel.setSparseLayout(N_FEATURES, HASHED_KEY_PREFIX);
const sparseIdx = new Int32Array(SPARSE_FIELDS);
const sparseVals = new Float64Array(SPARSE_FIELDS);
const sparsePathLearn = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) {
    const n = hasher.transformSparse(sparseX[i]!, sparseIdx, sparseVals);
    sparsePathModel.learnSparse(sparseIdx, sparseVals, n, sparseLabels[i]!);
  }
});

// The learner's sparse path on the same rows as decoded events (through the pipeline's decoder,
// so they have the object shape events have in production): fillSparse reads the 20 categorical
// fields and hashes them into the reused typed row, then learnSparse.
const catNames = Array.from({ length: SPARSE_FIELDS }, (_, f) => `c${f}`);
const hashedConfig = parseConfig(
  {
    source: { type: 'generator' },
    schema: { fields: { ...Object.fromEntries(catNames.map((n) => [n, 'string'])), label: 'boolean' } },
    learner: {
      features: { categorical: catNames },
      label: 'label',
      model: { type: 'logistic-regression', optimizer: sgd },
      categorical: { type: 'feature-hasher', nFeatures: N_FEATURES },
    },
  },
  {},
);
const decode = createDecoder(hashedConfig.schema);
const hashedEvents = sparseX.map((x, i) => {
  const value = new TextEncoder().encode(JSON.stringify({ ts: i, ...x, label: sparseLabels[i]! }));
  const decoded = decode({ offset: String(i), key: null, value, ts: i });
  if (!decoded.ok) throw new Error(`bench event ${i} does not decode: ${decoded.rejection.detail}`);
  return decoded.event;
});
const bundle = ModelBundle.create(hashedConfig.learner!);
const bundleSparse = bundle.sparse!;
const bundleLearn = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) {
    const n = bundle.fillSparse(hashedEvents[i]!);
    bundleSparse.learnSparse(bundle.sparseIdx, bundle.sparseVals, n, sparseLabels[i]!);
  }
});
const hashedLearner = new OnlineLearner('bench', hashedConfig.learner!, {
  store: new MemoryCheckpointStore(),
  lease: () => null,
  logger: createLogger('bench'),
});
const hashedStageRate = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) hashedLearner.onEvent(hashedEvents[i]!, origin0, 0);
  hashedLearner.drainRows();
});

// the learner stage: predict, six metrics overall and rolling, learn — per event
const config = parseConfig(
  {
    source: { type: 'generator' },
    schema: { fields: { ...Object.fromEntries(names.map((n) => [n, 'number'])), label: 'boolean' } },
    learner: {
      features: { numeric: names },
      label: 'label',
      model: { type: 'logistic-regression', optimizer: sgd },
    },
  },
  {},
);
const events = denseX.map((r, i) => ({
  ts: i,
  ...Object.fromEntries(names.map((n, k) => [n, r[k]!])),
  label: labels[i]!,
}));
const learner = new OnlineLearner('bench', config.learner!, {
  store: new MemoryCheckpointStore(),
  lease: () => null,
  logger: createLogger('bench'),
});
const stageRate = rate(ROWS, () => {
  for (let i = 0; i < ROWS; i++) learner.onEvent(events[i]!, origin0, 0);
  learner.drainRows();
});

// ---- River's side ------------------------------------------------------------------------------
const river = runRiver();
rmSync(dir, { recursive: true, force: true });

const figures: Figure[] = [
  compared(
    'learnOne dense-32 (learnDense)',
    denseLearn,
    'updates/s',
    `River ${river.version} learn_one`,
    river.dense_learn,
    '≥ 2M/s, ≥ 50× River',
  ),
  compared(
    'learnOne dense-32 (dict)',
    dictLearn,
    'updates/s',
    `River ${river.version} learn_one`,
    river.dense_learn,
  ),
  compared(
    'learnOne hashed ~20 of 2^18 (hasher + model)',
    sparseLearn,
    'updates/s',
    `River ${river.version} FeatureHasher | LogReg`,
    river.sparse_learn,
    '≥ 50× River',
  ),
  compared(
    'learnOne hashed ~20 of 2^18 (transformSparse + learnSparse)',
    sparsePathLearn,
    'updates/s',
    `River ${river.version} FeatureHasher | LogReg`,
    river.sparse_learn,
  ),
  compared(
    'learnOne hashed 20 categorical fields (learner path: fillSparse + learnSparse)',
    bundleLearn,
    'updates/s',
    `River ${river.version} FeatureHasher | LogReg`,
    river.sparse_learn,
    '≥ 50× River',
  ),
  compared(
    'predictOne dense-32 (predictDense)',
    densePredict,
    'predictions/s',
    `River ${river.version} predict_proba_one`,
    river.dense_predict,
  ),
  compared(
    'predictProbaOne dense-32 (dict)',
    dictPredict,
    'predictions/s',
    `River ${river.version} predict_proba_one`,
    river.dense_predict,
  ),
  single('learner stage dense-32 (predict + 6 metrics ×2 + learn)', stageRate, 'events/s'),
  single('learner stage hashed 20 categorical (predict + 6 metrics ×2 + learn)', hashedStageRate, 'events/s'),
];
writeResults('online', figures, [
  `logistic regression, SGD lr ${LR}, ${ROWS} rows read by both sides from one JSON file; ours loop ≥ ${MIN_SECONDS}s after a warm-up pass, River one pass`,
  `River ran with ${river.python}`,
  `(checksum ${sink.toFixed(3).length > 0 ? 'ok' : ''})`,
]);

interface RiverFigures {
  version: string;
  python: string;
  dense_learn: number;
  dense_predict: number;
  sparse_learn: number;
}

function runRiver(): RiverFigures {
  const python = riverPython();
  const out = execFileSync(python, [join(BENCH_DIR, 'river_online.py'), dataPath], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const parsed = JSON.parse(out.trim().split('\n').at(-1)!) as Omit<RiverFigures, 'python' | 'version'> & {
    river: string;
  };
  return { ...parsed, version: parsed.river, python };
}

/** `.venv-bench` with river==0.26.1, created when missing (the benchmark may install; tests never do). */
function riverPython(): string {
  const has = (py: string): boolean => {
    if (!existsSync(py)) return false;
    try {
      execFileSync(py, ['-c', 'import river; assert river.__version__ == "0.26.1"'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const venv = join(ROOT, '.venv-bench');
  const py = join(venv, 'bin', 'python');
  if (has(py)) return py;
  try {
    console.log('creating .venv-bench with river==0.26.1 …');
    if (!existsSync(py)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(py, ['-m', 'pip', 'install', '--quiet', 'river==0.26.1'], { stdio: 'inherit' });
    if (has(py)) return py;
  } catch (err) {
    console.warn(`could not build .venv-bench: ${(err as Error).message}`);
  }
  const fixtures = join(ROOT, '.venv-fixtures-online', 'bin', 'python');
  if (has(fixtures)) {
    console.warn('using .venv-fixtures-online (river 0.26.1) instead');
    return fixtures;
  }
  throw new Error(
    'no Python with river 0.26.1: create .venv-bench (python3 -m venv .venv-bench; pip install river==0.26.1)',
  );
}
