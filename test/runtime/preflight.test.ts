import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import { StreamlearnError } from '../../src/core/errors.js';
import {
  preflight,
  Refused,
  startupChecks,
  withoutCredentials,
  type StartupCheck,
} from '../../src/runtime/preflight.js';

const kafkaSource = { type: 'kafka', topic: 'events', brokers: ['k1:9092', 'k2:9092'] };

function fake(field: string, probe: StartupCheck['probe']): StartupCheck {
  return { field, address: `${field}-address`, service: 'Fake', probe };
}

async function failure(promise: Promise<unknown>): Promise<StreamlearnError> {
  const err = await promise.then(
    () => new Error('preflight passed'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StreamlearnError);
  return err as StreamlearnError;
}

const config = parseConfig({ source: { type: 'generator' } }, {});

describe('startupChecks', () => {
  it('names every service the config depends on by its field, with credentials removed', () => {
    const cfg = parseConfig(
      {
        source: kafkaSource,
        sink: { type: 'clickhouse', url: 'http://user:pw@ch:8123' },
        checkpoint: { store: 'redis', redisUrl: 'redis://:secret@r1:6379' },
        api: { rateLimit: { redisUrl: 'redis://r2:6379' } },
      },
      {},
    );
    expect(startupChecks(cfg).map((c) => [c.field, c.service, c.address])).toEqual([
      ['source.brokers', 'Kafka', 'k1:9092,k2:9092'],
      ['sink.url', 'ClickHouse', 'http://ch:8123'],
      ['checkpoint.redisUrl', 'Redis', 'redis://r1:6379'],
      ['api.rateLimit.redisUrl', 'Redis', 'redis://r2:6379'],
    ]);
  });

  it('checks nothing for embedded defaults, a replaced sink, or an API that will not run', () => {
    expect(startupChecks(config)).toEqual([]);
    const cfg = parseConfig(
      {
        source: { type: 'file', path: 'in.jsonl' },
        sink: { type: 'clickhouse' },
        api: { rateLimit: { redisUrl: 'redis://r2:6379' } },
      },
      {},
    );
    expect(startupChecks(cfg, { sink: false, api: false })).toEqual([]);
  });

  it('checks one Redis once when the rate limiter shares the checkpoint store', () => {
    const cfg = parseConfig(
      {
        source: { type: 'generator' },
        checkpoint: { store: 'redis', redisUrl: 'redis://r:6379' },
        api: { rateLimit: { redisUrl: 'redis://r:6379' } },
      },
      {},
    );
    expect(startupChecks(cfg).map((c) => c.field)).toEqual(['checkpoint.redisUrl']);
  });
});

describe('preflight', () => {
  it('passes when every service answers, retrying one that answers late', async () => {
    let calls = 0;
    await preflight(config, {
      timeoutMs: 10_000,
      checks: [
        fake('a', async () => undefined),
        fake('b', async () => {
          if (++calls < 3) throw new Error('ECONNREFUSED');
        }),
      ],
    });
    expect(calls).toBe(3);
  });

  it('fails after the timeout with one line per unreachable service naming field, address and cause', async () => {
    const err = await failure(
      preflight(config, {
        timeoutMs: 300,
        checks: [
          fake('source.brokers', async () => Promise.reject(new Error('connect ECONNREFUSED'))),
          fake('sink.url', async () => undefined),
          fake('checkpoint.redisUrl', () => new Promise(() => undefined)), // never answers
        ],
      }),
    );
    expect(err.code).toBe('SL_ERR_UNREACHABLE');
    const lines = err.message.split('\n').slice(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^source\.brokers: Fake at source\.brokers-address did not answer within \d+ ms \(connect ECONNREFUSED\)$/,
    );
    expect(lines[1]).toMatch(/^checkpoint\.redisUrl: Fake at checkpoint\.redisUrl-address did not answer/);
  });

  it('stops waiting at once when a service refuses (bad credentials)', async () => {
    let calls = 0;
    const err = await failure(
      preflight(config, {
        timeoutMs: 60_000,
        checks: [
          fake('sink.url', async () => {
            calls++;
            throw new Refused('Authentication failed: password is incorrect');
          }),
        ],
      }),
    );
    expect(calls).toBe(1);
    expect(err.message).toContain(
      'sink.url: Fake at sink.url-address refused: Authentication failed: password is incorrect',
    );
  });

  it('reads its default timeout from the config', () => {
    expect(config.startupTimeout).toBe(30_000);
    expect(parseConfig({ source: { type: 'generator' }, startupTimeout: '2s' }, {}).startupTimeout).toBe(
      2_000,
    );
  });
});

describe('withoutCredentials', () => {
  it('drops user and password and keeps the rest', () => {
    expect(withoutCredentials('redis://default:s3cret@10.0.0.1:6380/2')).toBe('redis://10.0.0.1:6380/2');
    expect(withoutCredentials('http://127.0.0.1:8123')).toBe('http://127.0.0.1:8123');
  });
});
