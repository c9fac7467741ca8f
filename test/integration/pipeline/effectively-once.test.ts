import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfigInput } from '../../../src/core/config/index.js';
import { Random } from '../../../src/core/random.js';
import { GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { startService } from '../../../src/runtime/service.js';
import { killAll, spawnCli, type CliProcess } from '../helpers/cli-process.js';
import { dropDatabases, finalRows } from '../helpers/clickhouse-tables.js';
import {
  createTopic,
  deleteTopics,
  generatorMessages,
  produceMessages,
  seededGenerator,
} from '../helpers/seeded-input.js';
import { controlService } from '../helpers/service-control.js';
import { CLICKHOUSE_URL, requireServices, uniqueName } from '../helpers/services.js';
import { DEVICE_5M, REGION_1M, restartableKafkaSource, USER_SESSION } from '../helpers/restart-pipeline.js';

/**
 * Effectively once on the real services: the same 4-partition topic is processed once cleanly and
 * once by a process SIGKILLed at 5 seeded random moments and restarted each time; the two
 * ClickHouse tables, read with FINAL, must be equal row for row. Then ClickHouse is stopped
 * mid-run: consumption must pause (bounded memory) and resume, and the table still be exact.
 */
const topic = uniqueName('sl_eo');
const databases: string[] = [];
const children: CliProcess[] = [];
const EVENTS = 40_000;

function pipelineConfig(
  database: string,
  group: string,
  checkpointDir: string,
  idleMs = 4000,
): PipelineConfigInput {
  databases.push(database);
  return {
    pipeline: 'eo',
    source: restartableKafkaSource(topic, group, idleMs),
    schema: GENERATOR_SCHEMA,
    watermark: { maxOutOfOrderness: '3s' },
    windows: [REGION_1M, DEVICE_5M, USER_SESSION],
    sink: { type: 'clickhouse', url: CLICKHOUSE_URL, database },
    deadLetter: { type: 'file', path: join(checkpointDir, 'dlq.jsonl') },
    checkpoint: { store: 'file', path: checkpointDir, interval: 300, leaseTtl: 6000 },
    api: { enabled: false },
  };
}

async function cleanRun(idleMs?: number): Promise<string> {
  const database = uniqueName('sl_eo_clean');
  const service = await startService(
    parseConfig(
      pipelineConfig(database, uniqueName('g'), mkdtempSync(join(tmpdir(), 'eo-clean-')), idleMs),
      {},
    ),
    { api: false, metrics: new Metrics(false) },
  );
  await service.done;
  await service.stop();
  return database;
}

beforeAll(async () => {
  await requireServices(['kafka', 'clickhouse']);
  await createTopic(topic, 4);
  await produce(EVENTS);
});

/** The same seeded stream throughout: each call produces its next `n` events. */
const gen = seededGenerator({
  seed: 99,
  startTime: Date.UTC(2026, 0, 1),
  intervalMs: 50,
  disorderMs: 2000,
  keys: 300,
  partitions: 4,
  drift: { atEvent: 20_000, widthEvents: 0, shift: 2 },
});
async function produce(n: number): Promise<void> {
  await produceMessages(topic, generatorMessages(gen, n));
}

const tableRows = (database: string, table: string): Promise<string[]> => finalRows(database, table);

afterAll(async () => {
  killAll(children);
  await dropDatabases(databases);
  await deleteTopics([topic]);
});

describe('effectively once on real Kafka and ClickHouse', () => {
  it('a process SIGKILLed at 5 random moments ends with the same tables as a clean run', async () => {
    const clean = await cleanRun();
    const database = uniqueName('sl_eo_kill');
    const dir = mkdtempSync(join(tmpdir(), 'eo-kill-'));
    const configFile = join(dir, 'pipeline.yaml');
    writeFileSync(configFile, stringify(pipelineConfig(database, uniqueName('g'), dir)));
    const rng = new Random(2026);
    let last: CliProcess | null = null;
    const run = async (killAfterMs: number | null): Promise<number | null> => {
      last = spawnCli(['run', '-c', configFile], { LOG_LEVEL: 'warn' }, children);
      const child = last;
      const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const code = await child.exited;
      if (timer) clearTimeout(timer);
      return code;
    };
    for (let kill = 0; kill < 5; kill++) await run(1500 + rng.int(3000)); // seeded: a failure can be replayed
    expect(await run(null), last!.tail()).toBe(0);
    for (const table of ['w_region_1m', 'w_device_5m', 'w_user_session']) {
      const want = await tableRows(clean, table);
      const got = await tableRows(database, table);
      expect(want.length).toBeGreaterThan(10);
      expect(got.length, table).toBe(want.length);
      const diff = got.filter((r, i) => r !== want[i]).slice(0, 3);
      expect(
        diff,
        `${table}: first differing rows; clean: ${JSON.stringify(want.filter((r, i) => r !== got[i]).slice(0, 3))}`,
      ).toEqual([]);
    }
  });

  it('pauses with bounded memory while ClickHouse is stopped and ends exact when it returns', async () => {
    const database = uniqueName('sl_eo_outage');
    const service = await startService(
      parseConfig(
        pipelineConfig(database, uniqueName('g'), mkdtempSync(join(tmpdir(), 'eo-outage-')), 15_000),
        {},
      ),
      { api: false, metrics: new Metrics(false) },
    );
    let outage = 0;
    try {
      while (service.pipeline.stats.records < EVENTS) await new Promise((r) => setTimeout(r, 50));
      await controlService('kill-one', 'clickhouse');
      outage = Date.now();
      // More input arrives while the sink is down. The pipeline reads on until a checkpoint waits
      // for the stuck one (one interval, 300 ms here) or MAX_PENDING_ROWS: a lead-in whose rows
      // get a checkpoint stuck first, so that bound, not the race between our reader and the
      // producer (a fast enough reader took all 40k in those 300 ms), decides what is read.
      const LEAD_IN = 4_000;
      await produce(LEAD_IN);
      await new Promise((r) => setTimeout(r, 2000));
      await produce(EVENTS - LEAD_IN);
      await new Promise((r) => setTimeout(r, 3000));
      const stalledAt = service.pipeline.stats.records;
      await new Promise((r) => setTimeout(r, 3000));
      expect(service.pipeline.stats.records, 'consumption must pause while the sink is down').toBe(stalledAt);
      // a few batches past the lead-in at most, far from all of the input
      expect(stalledAt).toBeLessThan(EVENTS + LEAD_IN + 20_000);
    } finally {
      await controlService('start-one', 'clickhouse');
    }
    const stats = await service.done;
    await service.stop();
    expect(stats.records).toBe(2 * EVENTS);
    expect(Date.now() - outage).toBeGreaterThan(6000);
    const clean = await cleanRun(8000);
    for (const table of ['w_region_1m', 'w_device_5m', 'w_user_session']) {
      expect(await tableRows(database, table), table).toEqual(await tableRows(clean, table));
    }
  });
});
