import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/core/config/index.js';
import { StreamlearnError } from '../../src/core/errors.js';

const base = {
  source: { type: 'kafka', topic: 'events' },
  schema: { fields: { region: 'string', amount: 'number' } },
  windows: [
    {
      name: 'w1',
      type: 'tumbling',
      size: '1m',
      groupBy: ['region'],
      aggregates: [{ fn: 'sum', field: 'amount' }],
    },
  ],
};

function errorOf(raw: unknown): string {
  try {
    parseConfig(raw, {});
  } catch (err) {
    expect(err).toBeInstanceOf(StreamlearnError);
    expect((err as StreamlearnError).code).toBe('SL_ERR_CONFIG');
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

describe('pipeline config', () => {
  it('applies defaults and parses durations', () => {
    const cfg = parseConfig(base, {});
    expect(cfg.windows[0]).toMatchObject({ size: 60_000, allowedLateness: 0, emit: { mode: 'final' } });
    expect(cfg.sink).toEqual({ type: 'duckdb', path: 'data/streamlearn.duckdb' });
    expect(cfg.source).toMatchObject({ brokers: ['127.0.0.1:9092'], groupId: 'streamlearn' });
  });

  it.each([
    [{ ...base, windows: [{ ...base.windows[0], type: 'sliding' }] }, 'windows[0].type'],
    [{ ...base, windows: [{ ...base.windows[0], size: -5 }] }, 'windows[0].size'],
    [
      { ...base, windows: [{ ...base.windows[0], size: '5 parsecs' }] },
      'windows[0].size: "5 parsecs" is not a duration',
    ],
    [
      { ...base, windows: [{ ...base.windows[0], groupBy: ['country'] }] },
      'windows[0].groupBy[0]: field "country" is not declared',
    ],
    [
      { ...base, windows: [{ ...base.windows[0], aggregates: [{ fn: 'sum', field: 'price' }] }] },
      'windows[0].aggregates[0].field',
    ],
    [{ ...base, windows: [base.windows[0], base.windows[0]] }, 'windows[1].name: duplicate window name'],
    [
      { ...base, windows: [{ ...base.windows[0], type: 'hopping', slide: '2m' }] },
      'windows[0].slide: slide must not exceed size',
    ],
    [{ ...base, source: { type: 'kafka' } }, 'source.topic'],
    [{ ...base, sink: { type: 'clickhouse', url: 'not a url' } }, 'sink.url'],
    [{ ...base, surprise: true }, 'surprise'],
    [{ ...base, windows: [{ ...base.windows[0], name: 'drop table' }] }, 'windows[0].name'],
    [{ ...base, windows: [{ ...base.windows[0], size: 0 }] }, 'windows[0].size: must be greater than 0'],
    [
      { ...base, windows: [{ ...base.windows[0], type: 'hopping', slide: 0 }] },
      'windows[0].slide: must be greater than 0',
    ],
    [
      { ...base, windows: [{ ...base.windows[0], type: 'session', size: undefined, gap: -1 }] },
      'windows[0].gap',
    ],
    [
      { ...base, windows: [{ ...base.windows[0], aggregates: [{ fn: 'median', field: 'amount' }] }] },
      'windows[0].aggregates[0].fn: unknown aggregate "median"; known: count, sum',
    ],
    [
      { ...base, windows: [{ ...base.windows[0], aggregates: [{ fn: 'sum' }] }] },
      'windows[0].aggregates[0].field: aggregate "sum" needs a field',
    ],
    [{ ...base, drift: { numeric: ['region'] } }, 'drift.numeric[0]: field "region" is string, not a number'],
    [
      { ...base, drift: { categorical: ['country'] } },
      'drift.categorical[0]: field "country" is not declared',
    ],
    [
      { ...base, windows: [{ ...base.windows[0], aggregates: [{ fn: 'mean', field: 'region' }] }] },
      'windows[0].aggregates[0].field: aggregate "mean" reads numbers; field "region" is string',
    ],
    [
      { ...base, windows: [{ ...base.windows[0], aggregates: [{ fn: 'quantile', field: 'key', q: 0.5 }] }] },
      'windows[0].aggregates[0].field: aggregate "quantile" reads numbers; field "key" is string',
    ],
    [
      {
        ...base,
        windows: [{ ...base.windows[0], aggregates: [{ fn: 'distinct', field: 'region', accuracy: 99 }] }],
      },
      'windows[0].aggregates[0]: Aggregate "distinct": option "accuracy"',
    ],
    [
      {
        ...base,
        windows: [{ ...base.windows[0], aggregates: [{ fn: 'sum', field: 'amount', as: 'start' }] }],
      },
      'windows[0]: window "w1": column name "start" is reserved',
    ],
    [
      { ...base, learner: { features: { numeric: ['amount'] }, model: { type: 'logistic-regression' } } },
      'learner.label: is required',
    ],
    [
      {
        ...base,
        learner: {
          features: { numeric: ['price'] },
          label: 'region',
          model: { type: 'logistic-regression' },
        },
      },
      'learner.features.numeric[0]: field "price" is not declared in schema.fields',
    ],
    [
      { ...base, schema: { ...base.schema, minTime: 10, maxTime: 5 } },
      'schema.maxTime: must be greater than minTime',
    ],
    [
      { ...base, schema: { ...base.schema, optional: ['nope'] } },
      'schema.optional[0]: field "nope" is not declared',
    ],
    [
      { ...base, schema: { ...base.schema, fields: { ...base.schema.fields, ts: 'string' } } },
      'schema.fields.ts: the time field is read as epoch_ms',
    ],
    [
      {
        ...base,
        schema: { ...base.schema, timeField: 'at', fields: { ...base.schema.fields, ts: 'number' } },
      },
      "schema.fields.ts: an event's ts is its event time",
    ],
    [
      { ...base, source: { type: 'kafka', topic: 'e', brokers: ['localhost'] } },
      'source.brokers[0]: must be host:port',
    ],
    [
      { ...base, checkpoint: { store: 'redis', redisUrl: '127.0.0.1:6379' } },
      'checkpoint.redisUrl: must be a redis://',
    ],
    [
      { ...base, api: { rateLimit: { redisUrl: 'http://r:6379' } } },
      'api.rateLimit.redisUrl: must be a redis://',
    ],
    [
      { ...base, sink: { type: 'clickhouse', url: 'ftp://ch:8123' } },
      'sink.url: must be an http:// or https:// URL',
    ],
    [
      { ...base, source: { type: 'generator' }, deadLetter: { type: 'kafka' } },
      'deadLetter.type: "kafka" needs a kafka source',
    ],
    [{ ...base, startupTimeout: 0 }, 'startupTimeout: must be greater than 0'],
  ])('names the bad field: %#', (raw, fragment) => {
    expect(errorOf(raw)).toContain(fragment);
  });
  it('takes any field type for count, distinct, topk, first and last, numbers for the rest', () => {
    const fields = { region: 'string', vip: 'boolean', amount: 'number', items: 'integer' };
    const anyInput = ['distinct', 'topk', 'first', 'last'].flatMap((fn) =>
      ['region', 'vip', 'amount', 'key'].map((field) => ({ fn, field, as: `${fn}_${field}` })),
    );
    const numeric = ['sum', 'mean', 'min', 'max', 'variance', 'stddev', 'quantile'].flatMap((fn) =>
      ['amount', 'items'].map((field) => ({ fn, field, as: `${fn}_${field}` })),
    );
    const cfg = parseConfig(
      {
        ...base,
        schema: { fields },
        windows: [{ ...base.windows[0], aggregates: [{ fn: 'count' }, ...anyInput, ...numeric] }],
      },
      {},
    );
    expect(cfg.windows[0]!.aggregates).toHaveLength(1 + anyInput.length + numeric.length);
    expect(
      errorOf({
        ...base,
        schema: { fields },
        windows: [{ ...base.windows[0], aggregates: [{ fn: 'sum', field: 'vip' }] }],
      }),
    ).toContain('aggregate "sum" reads numbers; field "vip" is boolean');
  });

  it('reports every field mistake at once, one line each (cross-field checks follow once they pass)', () => {
    const lines = errorOf({
      ...base,
      source: { type: 'kafka', brokers: ['nohost'] },
      windows: [{ ...base.windows[0], size: -1 }],
      startupTimeout: -5,
    }).split('\n');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(':')[0])
        .sort(),
    ).toEqual(['source.brokers[0]', 'source.topic', 'startupTimeout', 'windows[0].size']);
  });

  it('reports a bad aggregate option once, from the schema, not again from the registry', () => {
    const lines = errorOf({
      ...base,
      windows: [{ ...base.windows[0], aggregates: [{ fn: 'quantile', field: 'amount', q: 1.5 }] }],
    }).split('\n');
    expect(lines.filter((l) => l.startsWith('windows[0].aggregates[0]'))).toEqual([
      'windows[0].aggregates[0].q: Too big: expected number to be <1',
    ]);
  });

  it('says why a field name is refused, not only that the key is invalid', () => {
    const message = errorOf({ ...base, schema: { ...base.schema, fields: { 'user id': 'string' } } });
    expect(message).toContain(
      'schema.fields.user id: name must start with a letter or _ and hold only letters, digits and _',
    );
    expect(message).not.toContain('Invalid key');
  });
  it('accepts the addresses services are given in', () => {
    const cfg = parseConfig(
      {
        ...base,
        source: { type: 'kafka', topic: 'e', brokers: ['kafka-1.internal:9092', '[::1]:9093'] },
        checkpoint: { store: 'redis', redisUrl: 'rediss://user:pw@redis.internal:6380/2' },
        sink: { type: 'clickhouse', url: 'https://ch.internal:8443' },
        deadLetter: { type: 'kafka' },
      },
      {},
    );
    expect(cfg.startupTimeout).toBe(30_000);
    expect(cfg.deadLetter).toEqual({ type: 'kafka', maxValueBytes: 1_048_576 });
  });

  it('lets environment variables override connection settings', () => {
    const cfg = parseConfig(
      { ...base, sink: { type: 'clickhouse' }, checkpoint: { store: 'redis' } },
      {
        KAFKA_BROKERS: 'a:1,b:2',
        CLICKHOUSE_URL: 'http://ch:8123',
        REDIS_URL: 'redis://r:6379',
        PORT: '9999',
      },
    );
    expect(cfg.source.type === 'kafka' && cfg.source.brokers).toEqual(['a:1', 'b:2']);
    expect(cfg.sink.type === 'clickhouse' && cfg.sink.url).toBe('http://ch:8123');
    expect(cfg.checkpoint.redisUrl).toBe('redis://r:6379');
    expect(cfg.api.port).toBe(9999);
  });

  it('loads YAML files and reports unreadable or malformed ones clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-config-'));
    writeFileSync(join(dir, 'ok.yaml'), 'source: { type: generator }\n');
    expect(loadConfig(join(dir, 'ok.yaml'), {}).source.type).toBe('generator');
    writeFileSync(join(dir, 'bad.yaml'), 'source: [unclosed\n');
    expect(() => loadConfig(join(dir, 'bad.yaml'), {})).toThrow(/not valid YAML/);
    expect(() => loadConfig(join(dir, 'missing.yaml'), {})).toThrow(/cannot read config file/);
  });

  it('ships a demo config that validates', () => {
    expect(loadConfig('config/demo.yaml', {}).pipeline).toBe('demo');
  });
});

describe('shipped configs', () => {
  it('config/pipeline.yaml validates', () => {
    expect(loadConfig('config/pipeline.yaml', {}).source.type).toBe('kafka');
  });
});
