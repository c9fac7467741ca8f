import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventGenerator } from '../../src/ingest/generator.js';
import { kafka, requireServices, uniqueName } from './helpers/services.js';

/** The `streamlearn` command as a user runs it: the built bin, in a fresh folder. */
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const BIN = join(ROOT, 'bin', 'streamlearn.js');

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli.js')))
    throw new Error('dist/ is missing: run `npm run build` first (scripts/test-all.sh does)');
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every message of `topic` (`n` of them) as UTF-8 key and value, read by a fresh consumer group. */
async function consumeAll(topic: string, n: number): Promise<{ key: string | null; value: string }[]> {
  const consumer = kafka().consumer({ groupId: uniqueName('sl_cli_read') });
  const got: { key: string | null; value: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push({ key: message.key?.toString('utf8') ?? null, value: message.value!.toString('utf8') });
      },
    });
    await waitFor(`${n} messages of ${topic}`, async () => (got.length >= n ? true : undefined));
  } finally {
    await consumer.disconnect();
  }
  return got;
}

describe('streamlearn CLI', () => {
  it('demo: runs on embedded defaults, serves /healthz and window rows, stops cleanly on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sl-demo-'));
    const port = 18_000 + Math.floor(Math.random() * 1000);
    const child = spawn(process.execPath, [BIN, 'demo', '--port', String(port), '--fresh'], {
      cwd,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const health = await waitFor('/healthz', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return res.ok ? ((await res.json()) as { status: string }) : undefined;
      });
      expect(health.status).toBe('ok');
      const rows = await waitFor('window rows', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/windows/region_1m?limit=5`);
        const body = (await res.json()) as { rows: Record<string, unknown>[] };
        return body.rows.length > 0 ? body.rows : undefined;
      });
      expect(rows[0]).toMatchObject({ pipeline: 'demo', window: 'region_1m' });
      expect(typeof rows[0]!.count).toBe('number');
      expect(existsSync(join(cwd, 'data', 'demo.duckdb'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code, output).toBe(0);
  });

  it('replay: the same file twice gives byte-identical output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-cli-replay-'));
    const gen = new EventGenerator({
      type: 'generator',
      seed: 5,
      events: 5000,
      rate: 0,
      startTime: Date.UTC(2026, 0, 1),
      intervalMs: 100,
      disorderMs: 1000,
      keys: 20,
      partitions: 1,
    });
    const lines: string[] = [];
    while (!gen.done) lines.push(JSON.stringify(gen.next()));
    writeFileSync(join(dir, 'in.jsonl'), lines.join('\n') + '\n');
    const run = (out: string): void => {
      const r = spawnSync(
        process.execPath,
        [
          BIN,
          'replay',
          join(dir, 'in.jsonl'),
          '-c',
          join(ROOT, 'config', 'demo.yaml'),
          '--out',
          join(dir, out),
        ],
        { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' } },
      );
      expect(r.status, r.stderr).toBe(0);
    };
    run('a');
    run('b');
    for (const w of ['region_1m', 'device_5m']) {
      const a = readFileSync(join(dir, 'a', `${w}.jsonl`));
      expect(a.length).toBeGreaterThan(0);
      expect(readFileSync(join(dir, 'b', `${w}.jsonl`)).equals(a)).toBe(true);
    }
  });

  describe('produce', () => {
    const topic = uniqueName('sl_cli');
    beforeAll(async () => requireServices(['kafka']));
    afterAll(async () => {
      const admin = kafka().admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });

    it("loads a JSONL file into a new topic, keyed by a field, without the file's byte-order mark", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sl-cli-produce-'));
      const lines = Array.from({ length: 1234 }, (_, i) => JSON.stringify({ ts: i, user: `u${i % 7}` }));
      // a BOM (as Windows tools write one) marks the file's encoding; it is not part of line 1
      writeFileSync(join(dir, 'in.jsonl'), '\uFEFF' + lines.join('\n') + '\n');
      const r = spawnSync(
        process.execPath,
        [
          BIN,
          'produce',
          join(dir, 'in.jsonl'),
          '--topic',
          topic,
          '--partitions',
          '3',
          '--key-field',
          'user',
          '--no-progress',
        ],
        { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' } },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('produced 1234 messages');
      const admin = kafka().admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      expect(offsets.length).toBe(3);
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(1234);
      const got = await consumeAll(topic, 1234);
      expect(got.map((m) => m.value).sort()).toEqual([...lines].sort());
      for (const m of got) expect(m.key).toBe((JSON.parse(m.value) as { user: string }).user);
    });
  });
});
