import type { FastifyPluginAsync } from 'fastify';
import { StreamlearnError } from '../../core/errors.js';
import type { ColumnType } from '../../windows/aggregator.js';
import type { ServiceContext } from '../context.js';
import { errorResponses } from '../schemas.js';
import { timeParam } from '../time-param.js';

const MAX_LIMIT = 10_000;
const MAX_VALUE_LENGTH = 1_024;
const INTEGER_RE = /^-?\d{1,16}$/;
/** With the `u` flag a proper surrogate pair is one code point: only unpaired halves match. */
const LONE_SURROGATE_RE = /\p{Cs}/u;
const NUMBER_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?$/;

/**
 * `GET /v1/windows/:name?from&to&limit&<group field>=…` — the latest version of each window row
 * (ClickHouse `FINAL`, DuckDB upserts), newest first, retracted rows left out.
 *
 * Nothing from the request becomes SQL text by itself: the window name selects a configured table
 * (404 otherwise), filter names must be the window's group-by fields (identifiers from the validated
 * config), and every value is parsed into its column's type here, then encoded by the sink's one
 * strict literal encoder. Repeated, empty-named, over-long or mistyped parameters are 400s.
 */
export const windowRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get<{ Params: { name: string }; Querystring: Record<string, unknown> }>(
    '/v1/windows/:name',
    {
      schema: {
        tags: ['windows'],
        summary: 'Window rows, newest first (filters: from, to, limit and the group-by fields)',
        params: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 128 } },
          required: ['name'],
        },
        querystring: {
          type: 'object',
          properties: {
            from: {
              type: 'string',
              description: 'inclusive lower bound on the window start: epoch ms or ISO-8601 text',
            },
            to: {
              type: 'string',
              description: 'exclusive upper bound on the window start: epoch ms or ISO-8601 text',
            },
            limit: { type: 'string', description: `rows to return, 1..${MAX_LIMIT} (default 100)` },
          },
          additionalProperties: { type: 'string', description: 'equality filter on a group-by field' },
        },
        response: errorResponses(400, 401, 404, 429, 503),
      },
    },
    async (request) => {
      const window = ctx.windows.find((w) => w.spec.name === request.params.name);
      if (!window)
        throw invalid(`no window named ${JSON.stringify(request.params.name)}`, 'SL_ERR_NOT_FOUND');
      const where: Record<string, string | number | boolean> = {};
      let from: number | undefined;
      let to: number | undefined;
      let limit = 100;
      for (const [field, raw] of Object.entries(request.query)) {
        if (typeof raw !== 'string') throw invalid(`"${clip(field)}" must be given once`);
        if (raw.length > MAX_VALUE_LENGTH)
          throw invalid(`"${clip(field)}" is longer than ${MAX_VALUE_LENGTH}`);
        if (field === 'from') from = timeParam('from', raw);
        else if (field === 'to') to = timeParam('to', raw);
        else if (field === 'limit') {
          limit = integer('limit', raw);
          if (limit < 1 || limit > MAX_LIMIT) throw invalid(`"limit" must be between 1 and ${MAX_LIMIT}`);
        } else {
          if (!window.spec.groupBy.includes(field))
            throw invalid(`"${clip(field)}" is not a group-by field of window "${window.spec.name}"`);
          const type = window.table.columns.find((c) => c.name === field)?.type ?? 'string';
          where[field] = typedValue(field, raw, type);
        }
      }
      if (from !== undefined && to !== undefined && from > to) throw invalid('"from" must not be after "to"');
      // Retracted rows are filtered in the query, so `limit` counts the rows actually answered.
      where.retracted = false;
      const rows = await ctx.sink.query(window.table.name, { from, to, limit, where });
      return { window: window.spec.name, rows: rows.filter((r) => r.retracted !== true) };
    },
  );
};

function integer(name: string, raw: string): number {
  const n = Number(raw);
  if (!INTEGER_RE.test(raw) || !Number.isSafeInteger(n)) throw invalid(`"${name}" must be an integer`);
  return n;
}

/** A filter value in its column's type; strings must be well-formed Unicode. */
function typedValue(field: string, raw: string, type: ColumnType): string | number | boolean {
  switch (type) {
    case 'int64': {
      const n = Number(raw);
      if (!INTEGER_RE.test(raw) || !Number.isSafeInteger(n)) throw invalid(`"${field}" must be an integer`);
      return n;
    }
    case 'float64': {
      const n = Number(raw);
      if (!NUMBER_RE.test(raw) || !Number.isFinite(n)) throw invalid(`"${field}" must be a number`);
      return n;
    }
    case 'bool':
      if (raw !== 'true' && raw !== 'false') throw invalid(`"${field}" must be true or false`);
      return raw === 'true';
    default:
      if (LONE_SURROGATE_RE.test(raw)) throw invalid(`"${field}" is not well-formed Unicode`);
      return raw;
  }
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

function invalid(message: string, code: 'SL_ERR_VALIDATION' | 'SL_ERR_NOT_FOUND' = 'SL_ERR_VALIDATION') {
  return new StreamlearnError(code, message);
}
