import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CONNECTION_ENV } from '../connections.js';
import { StreamlearnError } from '../errors.js';
import { createAggregator } from '../../windows/aggregators/index.js';
import { compileWindow } from '../../windows/window-spec.js';
import { identifier, positiveDuration } from './common.js';
import { apiSchema } from './api.js';
import { driftSchema } from './drift.js';
import { checkLearnerFields, learnerSchema, type LearnerConfig } from './learner.js';
import { eventSchemaSchema, isNumericFieldType } from './schema.js';
import { checkpointSchema, deadLetterSchema, sinkSchema } from './sinks.js';
import { sourceSchema } from './source.js';
import { aggregateSchema, watermarkSchema, windowSchema } from './windows.js';

export * from './api.js';
export * from './common.js';
export * from './learner.js';
export * from './drift.js';
export * from './schema.js';
export * from './sinks.js';
export * from './source.js';
export * from './windows.js';

/** The whole pipeline file. Every field is documented in docs/config.md. */
export const pipelineConfigSchema = z
  .object({
    /** Pipeline name: part of every row key, checkpoint name and metric label. */
    pipeline: identifier.default('default'),
    source: sourceSchema,
    schema: eventSchemaSchema.default(eventSchemaSchema.parse({})),
    watermark: watermarkSchema.default({ maxOutOfOrderness: 0, idleTimeout: 0 }),
    windows: z.array(windowSchema).default([]),
    sink: sinkSchema.default({ type: 'duckdb', path: 'data/streamlearn.duckdb' }),
    deadLetter: deadLetterSchema.default({ type: 'file', path: 'data/dead-letter.jsonl' }),
    checkpoint: checkpointSchema.default(checkpointSchema.parse({})),
    api: apiSchema.default(apiSchema.parse({})),
    drift: driftSchema.optional(),
    learner: learnerSchema.optional(),
    /**
     * How long the service may wait at start for Kafka, ClickHouse and Redis to answer; past it, it
     * exits naming the unreachable field instead of half-starting. Later outages wait and retry.
     */
    startupTimeout: positiveDuration.default(30_000),
  })
  .strict()
  .superRefine(checkReferences);

export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;

/** Fields named by windows must be declared in the schema (or be the event key). */
interface ReferenceView {
  pipeline: string;
  source: { type: string; partitionedBy?: string[] | undefined };
  deadLetter: { type: string };
  schema: { fields: Record<string, unknown> };
  windows: z.output<typeof windowSchema>[];
  drift?: { numeric: string[]; categorical: string[] } | undefined;
  learner?: LearnerConfig | undefined;
}

function checkReferences(cfg: ReferenceView, ctx: z.RefinementCtx): void {
  const known = new Set([...Object.keys(cfg.schema.fields), 'key']);
  if (cfg.deadLetter.type === 'kafka' && cfg.source.type !== 'kafka')
    ctx.addIssue({
      code: 'custom',
      path: ['deadLetter', 'type'],
      message: `"kafka" needs a kafka source (its brokers and topic); this source is ${cfg.source.type}`,
    });
  if (cfg.learner) checkLearnerFields(cfg.learner, cfg.schema.fields, ctx);
  for (const kind of ['numeric', 'categorical'] as const)
    cfg.drift?.[kind].forEach((f, i) => {
      const type = fieldType(f, cfg.schema.fields);
      if (type === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['drift', kind, i],
          message: `field "${f}" is not declared in schema.fields`,
        });
      // a numeric monitor reads a string as absent: it would never score (categories can be numbers)
      else if (kind === 'numeric' && !isNumericFieldType(type))
        ctx.addIssue({
          code: 'custom',
          path: ['drift', kind, i],
          message: `field "${f}" is ${type}, not a number (monitor it as categorical)`,
        });
    });
  checkCoPartitioning(cfg, known, ctx);
  const names = new Set<string>();
  cfg.windows.forEach((w, i) => {
    if (names.has(w.name))
      ctx.addIssue({
        code: 'custom',
        path: ['windows', i, 'name'],
        message: `duplicate window name "${w.name}"`,
      });
    names.add(w.name);
    w.groupBy.forEach((g, j) => {
      if (!known.has(g))
        ctx.addIssue({
          code: 'custom',
          path: ['windows', i, 'groupBy', j],
          message: `field "${g}" is not declared in schema.fields`,
        });
    });
    w.aggregates.forEach((a, j) => {
      if (a.field !== undefined && !known.has(a.field)) {
        ctx.addIssue({
          code: 'custom',
          path: ['windows', i, 'aggregates', j, 'field'],
          message: `field "${a.field}" is not declared in schema.fields`,
        });
      }
    });
    if (w.type === 'hopping' && w.slide > w.size) {
      ctx.addIssue({ code: 'custom', path: ['windows', i, 'slide'], message: 'slide must not exceed size' });
    }
    if (w.type === 'hopping' && w.size % w.slide !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['windows', i, 'size'],
        message: 'size must be a whole multiple of slide',
      });
    }
    if (w.emit.mode === 'update' && w.emit.interval === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['windows', i, 'emit', 'interval'],
        message: 'emit mode "update" needs an interval',
      });
    }
    checkWindowCompiles(cfg.pipeline, cfg.schema.fields, w, i, ctx);
  });
}

/**
 * Scale-out keeps window state per partition: exact only if each group's events all land in one
 * partition, i.e. every window groups by (at least) the fields that decide the partition.
 */
function checkCoPartitioning(cfg: ReferenceView, known: Set<string>, ctx: z.RefinementCtx): void {
  const keyedBy = cfg.source.partitionedBy;
  if (keyedBy === undefined) return;
  keyedBy.forEach((f, i) => {
    if (!known.has(f))
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'partitionedBy', i],
        message: `field "${f}" is not declared in schema.fields`,
      });
  });
  cfg.windows.forEach((w, i) => {
    const missing = keyedBy.filter((f) => !w.groupBy.includes(f));
    if (missing.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['windows', i, 'groupBy'],
        message: `source.partitionedBy is [${keyedBy.join(', ')}]: window "${w.name}" must group by ${missing.join(', ')} too, or a group would be split across partitions (and instances)`,
      });
  });
}

/**
 * Builds each aggregate and then the whole window exactly as the pipeline will, so what only the
 * registry knows (options out of range, a missing field, reserved or clashing column names)
 * fails here, naming the field, rather than when the pipeline is wired.
 */
function checkWindowCompiles(
  pipeline: string,
  fields: Readonly<Record<string, unknown>>,
  w: z.output<typeof windowSchema>,
  i: number,
  ctx: z.RefinementCtx,
): void {
  let ok = true;
  w.aggregates.forEach((a, j) => {
    const path = ['windows', i, 'aggregates', j];
    if (!aggregateSchema.safeParse(a).success) {
      ok = false; // the aggregate schema reports it already; the registry would say it again
      return;
    }
    try {
      const agg = createAggregator(a.fn, { q: a.q, k: a.k, accuracy: a.accuracy });
      if (agg.input !== 'none' && a.field === undefined) {
        ok = false;
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'field'],
          message: `aggregate "${a.fn}" needs a field`,
        });
      }
      const type = a.field === undefined ? undefined : fieldType(a.field, fields);
      if (agg.input === 'number' && type !== undefined && !isNumericFieldType(type)) {
        ok = false;
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'field'],
          message: `aggregate "${a.fn}" reads numbers; field "${a.field}" is ${type} (use count, distinct, topk, first or last)`,
        });
      }
    } catch (err) {
      ok = false; // an unknown fn is already reported by the aggregate schema
      if (!/^Unknown aggregate/.test((err as Error).message))
        ctx.addIssue({ code: 'custom', path, message: (err as Error).message });
    }
  });
  if (!ok) return;
  try {
    compileWindow(pipeline, w);
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: ['windows', i], message: (err as Error).message });
  }
}

/** The declared type of `name` (the event key is a string); undefined when undeclared (reported apart). */
function fieldType(name: string, fields: Readonly<Record<string, unknown>>): string | undefined {
  if (Object.hasOwn(fields, name)) return String(fields[name]);
  return name === 'key' ? 'string' : undefined;
}

/** Turns zod issues into one message naming each field and the reason: `windows[0].size: must be …`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, part) =>
          typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
        '',
      );
      // zod says "expected string, received undefined" for an absent field: say it plainly
      const message =
        issue.code === 'invalid_type' && /received undefined$/.test(issue.message)
          ? `is required (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`
          : issue.code === 'invalid_key'
            ? // zod's own text is "Invalid key in record": the key schema's reasons say what is wrong
              `name ${issue.issues.map((i) => i.message).join('; ')}`
            : issue.message;
      return `${path || '(root)'}: ${message}`;
    })
    .join('\n');
}

/** Validates a parsed config object; throws SL_ERR_CONFIG naming every bad field. */
export function parseConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = process.env,
  origin = 'config',
): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(applyEnvOverrides(raw, env));
  if (!result.success) {
    throw new StreamlearnError('SL_ERR_CONFIG', `invalid ${origin}:\n${formatIssues(result.error)}`);
  }
  return result.data;
}

/** Reads a YAML or JSON pipeline file and validates it. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StreamlearnError(
      'SL_ERR_CONFIG',
      `cannot read config file ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON
  } catch (err) {
    throw new StreamlearnError(
      'SL_ERR_CONFIG',
      `config file ${path} is not valid YAML/JSON: ${(err as Error).message}`,
    );
  }
  return parseConfig(raw ?? {}, env, `config file ${path}`);
}

/**
 * Connection settings from the environment win over the file, so one file serves every machine.
 * They apply only to the parts the file selects (a DuckDB sink ignores CLICKHOUSE_URL).
 */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const cfg = structuredClone(raw) as Record<string, Record<string, unknown> | undefined>;
  const brokers = env[CONNECTION_ENV.kafkaBrokers];
  if (brokers && cfg.source?.type === 'kafka')
    cfg.source.brokers = brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  const chUrl = env[CONNECTION_ENV.clickhouseUrl];
  if (chUrl && cfg.sink?.type === 'clickhouse') cfg.sink.url = chUrl;
  const redisUrl = env[CONNECTION_ENV.redisUrl];
  if (redisUrl && cfg.checkpoint?.store === 'redis') cfg.checkpoint.redisUrl = redisUrl;
  const port = env[CONNECTION_ENV.httpPort];
  if (port) cfg.api = { ...(cfg.api ?? {}), port: Number(port) };
  return cfg;
}
