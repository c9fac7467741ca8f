import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../../src/state/file-store.js';
import { MemoryCheckpointStore } from '../../../src/state/memory-store.js';
import type { VersionedCheckpointStore } from '../../../src/state/versioned.js';
import { DENSE, events, feed, learnerConfig, learnerOn } from './helpers.js';
import { EVENTS, rollbackThenCrash } from './rollback-scenario.js';

const STORES: [string, (dir: string) => VersionedCheckpointStore][] = [
  ['memory', () => new MemoryCheckpointStore()],
  ['file', (dir) => new FileCheckpointStore({ dir: join(dir, 'checkpoints') })],
];

describe('rollback, then a crash (Pipeline with a learner)', () => {
  for (const [kind, makeStore] of STORES) {
    it(`${kind} store: a crash before the next checkpoint restores the rolled-back model and learns on from the checkpoint`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sl-rollback-'));
      const store = makeStore(dir);
      const r = await rollbackThenCrash(store, dir, { pipeline: 'rb', checkpointAfterRollback: false });
      expect(r.rolledBack).toBe(4);
      expect(r.copy).toMatchObject({ reason: 'rollback', rollbackOf: 1, owner: 'A' });
      expect(r.copy.eventsSeen).toBe(r.versions[0]!.metadata.eventsSeen); // version 1's provenance
      expect(JSON.stringify(r.learner.bundle.model.toState())).toBe(r.expectedModel);
      expect(r.learner.eventsSeen).toBe(EVENTS); // positions from the checkpoint: none re-learned or skipped
      // the pre-rollback model was never published again: every version after the copy descends from it
      expect(r.versions.map((v) => v.metadata.reason ?? 'publish')).toEqual([
        'publish',
        'publish',
        'publish',
        'rollback',
        'publish',
      ]);
      expect(r.versions.at(-1)!.metadata).toMatchObject({ eventsSeen: EVENTS, owner: 'B' });
      await store.close();
    });

    it(`${kind} store: a rollback already in the checkpoint is not adopted again`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sl-rollback-'));
      const store = makeStore(dir);
      const r = await rollbackThenCrash(store, dir, { pipeline: 'rb', checkpointAfterRollback: true });
      expect(JSON.stringify(r.learner.bundle.model.toState())).toBe(r.expectedModel);
      expect(r.learner.eventsSeen).toBe(EVENTS);
      expect(r.versions.map((v) => v.metadata.reason ?? 'publish')).toEqual([
        'publish',
        'publish',
        'publish',
        'rollback',
        'publish',
        'publish',
      ]);
      await store.close();
    });
  }
});

describe('restore and rollbacks (learner alone)', () => {
  const EVS = events(1_000, 3);

  it('adopts the newest of several rollbacks stored after the snapshot, and publishes on top of it', async () => {
    const config = learnerConfig(DENSE);
    const a = await learnerOn(config);
    for (let k = 0; k < 3; k++) {
      feed(a.stage, EVS, k * 100, (k + 1) * 100);
      await a.stage.afterCheckpoint();
    }
    const saved = JSON.parse(JSON.stringify(a.stage.snapshot()));
    await a.stage.rollback(1);
    const v2 = await a.stage.rollback(2);
    expect(v2).toBe(5);

    const b = await learnerOn(config, a.store, 'test');
    await b.stage.restore(saved);
    const { bundle } = JSON.parse(new TextDecoder().decode((await a.store.loadVersion(b.checkpointName, 2))!))
      .state as { bundle: { model: unknown } };
    expect(b.stage.bundle.model.toState()).toEqual(bundle.model);
    expect(b.stage.eventsSeen).toBe(300); // the checkpoint's counters
    expect(b.stage.publishedVersion).toBe(5);
    await b.stage.afterCheckpoint(); // nothing learned since: nothing to publish
    expect((await a.store.listVersions(b.checkpointName)).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
    feed(b.stage, EVS, 300, 400);
    await b.stage.afterCheckpoint();
    expect(b.stage.publishedVersion).toBe(6);
  });

  it('a state from before rollbacks were tracked restores as it is', async () => {
    const config = learnerConfig(DENSE);
    const a = await learnerOn(config);
    feed(a.stage, EVS, 0, 100);
    await a.stage.afterCheckpoint();
    const saved = JSON.parse(JSON.stringify(a.stage.snapshot())) as Record<string, unknown>;
    delete saved.knownVersion;
    feed(a.stage, EVS, 100, 200);
    await a.stage.afterCheckpoint();
    await a.stage.rollback(1);
    const b = await learnerOn(config, a.store, 'test');
    await b.stage.restore(saved as never);
    expect(JSON.stringify(b.stage.snapshot())).not.toContain('"knownVersion"');
    expect(b.stage.eventsSeen).toBe(100);
  });
});
