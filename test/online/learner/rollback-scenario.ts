import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type PipelineConfig } from '../../../src/core/config/index.js';
import { MemoryDeadLetterOutput } from '../../../src/ingest/dead-letter.js';
import { FileSource } from '../../../src/ingest/file-source.js';
import { GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import {
  createLearnerStage,
  decodeVersion,
  learnerCheckpointName,
  OnlineLearner,
  type LearnerParts,
  type VersionMetadata,
} from '../../../src/online/index.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { Pipeline } from '../../../src/runtime/pipeline.js';
import { JsonlSink } from '../../../src/sinks/jsonl-sink.js';
import type { VersionedCheckpointStore } from '../../../src/state/versioned.js';
import { DENSE, events, logger } from './helpers.js';

/** Events in the file, read in batches of BATCH; the first run checkpoints after batches 1..3. */
export const EVENTS = 3_000;
export const BATCH = 100;

export interface RollbackCrashResult {
  /** Version number the rollback returned. */
  rolledBack: number;
  /** The rollback copy as stored. */
  copy: VersionMetadata;
  /** The learner of the second run, after the input ended. */
  learner: OnlineLearner;
  /** The model the second run must end with, learned by replaying the events by hand. */
  expectedModel: string;
  /** Versions after the second run, oldest first. */
  versions: { version: number; metadata: VersionMetadata }[];
}

/**
 * Two runs of a real Pipeline with a learner on `store`:
 *
 * 1. batches 1–3 each end with a checkpoint (versions 1–3 published); after batch 4 the model is
 *    rolled back to version 1 (the source waits for the rollback to finish, so the batches after it
 *    are learned by the rolled-back model); with `checkpointAfterRollback` batch 5 ends with a
 *    checkpoint too; after batch 6 the process crashes (no final checkpoint).
 * 2. a new learner and pipeline restore from the last checkpoint and run to the end of the input.
 *
 * The expected model: version 1's, plus every labelled event the learner saw after the checkpoint
 * the second run restored (the checkpoint's positions decide what is learned next), or after the
 * rollback when a checkpoint holds it.
 */
export async function rollbackThenCrash(
  store: VersionedCheckpointStore,
  dir: string,
  options: { pipeline: string; checkpointAfterRollback: boolean },
): Promise<RollbackCrashResult> {
  // the schema refuses a null label, so the file holds labelled events only
  const evs = events(EVENTS + EVENTS / 6, 13)
    .filter((e) => e.label !== null)
    .slice(0, EVENTS);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'events.jsonl');
  writeFileSync(path, `${evs.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const config = parseConfig(
    {
      pipeline: options.pipeline,
      source: { type: 'file', path, batchSize: BATCH },
      schema: GENERATOR_SCHEMA,
      sink: { type: 'jsonl', dir: join(dir, 'sink') },
      checkpoint: { store: 'memory', interval: 1_000 },
      learner: { ...DENSE, predictions: false },
    },
    {},
  );
  const name = learnerCheckpointName(config);

  // run 1: the clock moves one checkpoint interval per batch while checkpoints are wanted
  let clock = 0;
  const leaseA = (await store.acquire(name, 'A', 600_000))!;
  const first = createLearnerStage(config, { store, lease: () => leaseA, logger, now: () => clock });
  let rollback: Promise<number> | null = null;
  let seenAtRollback = 0;
  let batches = 0;
  const run1: Pipeline = pipeline(
    config,
    store,
    first,
    gated(config, () => rollback),
    () => clock,
    () => {
      batches++;
      if (batches <= 3 || (options.checkpointAfterRollback && batches === 5)) clock += 1_000;
      if (batches === 4) {
        seenAtRollback = first.stage.eventsSeen;
        rollback = first.stage.rollback(1);
      }
      if (batches === 6) run1.crash();
    },
  );
  await run1.run();
  await sinks.closeAll();
  const rolledBack = await rollback!;
  await store.release(leaseA); // the crashed process's model lease, expired

  // run 2: restore, then the rest of the input
  const leaseB = (await store.acquire(name, 'B', 600_000))!;
  const second = createLearnerStage(config, { store, lease: () => leaseB, logger, now: () => clock });
  await pipeline(config, store, second, new FileSource(config.source as never), () => clock).run();
  await sinks.closeAll();
  second.service.close();

  // By hand: version 1, then every event the learner saw after the rollback (with a checkpoint
  // after it) or after the restored checkpoint, i.e. version 3's. The events are in time order,
  // so the learner sees them in file order (the runtime holds each back until the watermark).
  const v1 = decodeVersion(name, (await store.loadVersion(name, 1))!);
  const v3 = decodeVersion(name, (await store.loadVersion(name, 3))!);
  const replay = new OnlineLearner(config.pipeline, config.learner!, { store, lease: () => null, logger });
  await replay.restore(v1.state);
  const fromVersion1 = options.checkpointAfterRollback ? seenAtRollback : v3.metadata.eventsSeen;
  for (let i = fromVersion1; i < EVENTS; i++) replay.onEvent(evs[i]!, { partition: 'file:0', offset: '' }, 0);

  const versions = await Promise.all(
    (await store.listVersions(name)).map(async (v) => ({
      version: v.version,
      metadata: decodeVersion(name, (await store.loadVersion(name, v.version))!).metadata,
    })),
  );
  return {
    rolledBack,
    copy: versions.find((v) => v.version === rolledBack)!.metadata,
    learner: second.stage,
    expectedModel: JSON.stringify(replay.bundle.model.toState()),
    versions,
  };
}

/** The JSONL sinks the pipelines below wrote to: a pipeline does not own its sink, so the test closes them. */
const sinks = {
  open: [] as JsonlSink[],
  async closeAll(): Promise<void> {
    for (const sink of this.open.splice(0)) await sink.close();
  },
};

function pipeline(
  config: PipelineConfig,
  store: VersionedCheckpointStore,
  learner: LearnerParts,
  source: FileSource,
  now: () => number,
  onBatch?: () => void,
): Pipeline {
  const sink = new JsonlSink({ dir: (config.sink as { dir: string }).dir });
  sinks.open.push(sink);
  return new Pipeline({
    config,
    source,
    sink,
    deadLetter: new MemoryDeadLetterOutput(),
    store,
    metrics: new Metrics(false),
    logger,
    stages: [learner.stage],
    now,
    onBatch,
  });
}

/** The file source, whose next batch waits for a rollback in flight (so the test knows which batches it saw). */
function gated(config: PipelineConfig, inFlight: () => Promise<unknown> | null): FileSource {
  const source = new FileSource(config.source as never);
  const next = source.next.bind(source);
  source.next = async () => {
    await inFlight();
    return next();
  };
  return source;
}
