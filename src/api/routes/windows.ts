import type { FastifyPluginAsync } from 'fastify';
import { StreamlearnError } from '../../core/errors.js';
import type { ServiceContext } from '../context.js';

const MAX_LIMIT = 10_000;

/**
 * `GET /v1/windows/:name?from&to&limit&<group field>=…` — the latest version of each window row
 * from the sink, newest first. Group filters are typed by the schema before they reach a query.
 */
export const windowRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get<{ Params: { name: string }; Querystring: Record<string, string> }>(
    '/v1/windows/:name',
    async (request) => {
      const window = ctx.windows.find((w) => w.spec.name === request.params.name);
      if (!window) throw new StreamlearnError('SL_ERR_NOT_FOUND', `no window named "${request.params.name}"`);
      const { from, to, limit, ...filters } = request.query;
      const where: Record<string, string | number | boolean> = {};
      for (const [field, raw] of Object.entries(filters)) {
        if (!window.spec.groupBy.includes(field))
          throw new StreamlearnError(
            'SL_ERR_VALIDATION',
            `"${field}" is not a group-by field of window "${window.spec.name}"`,
          );
        const type = window.table.columns.find((c) => c.name === field)?.type;
        where[field] = typedValue(field, raw, type);
      }
      const rows = await ctx.sink.query(window.table.name, {
        from: from === undefined ? undefined : integer('from', from),
        to: to === undefined ? undefined : integer('to', to),
        limit: limit === undefined ? 100 : Math.min(integer('limit', limit), MAX_LIMIT),
        where,
      });
      return { window: window.spec.name, rows: rows.filter((r) => r.retracted !== true) };
    },
  );
};

function integer(name: string, raw: string): number {
  if (!/^-?\d{1,16}$/.test(raw))
    throw new StreamlearnError('SL_ERR_VALIDATION', `"${name}" must be an integer (epoch ms or a count)`);
  return Number(raw);
}

function typedValue(field: string, raw: string, type: string | undefined): string | number | boolean {
  if (type === 'float64' || type === 'int64') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || (type === 'int64' && !Number.isSafeInteger(n))) {
      throw new StreamlearnError(
        'SL_ERR_VALIDATION',
        `"${field}" must be a ${type === 'int64' ? 'integer' : 'number'}`,
      );
    }
    return n;
  }
  if (type === 'bool') {
    if (raw !== 'true' && raw !== 'false')
      throw new StreamlearnError('SL_ERR_VALIDATION', `"${field}" must be true or false`);
    return raw === 'true';
  }
  return raw;
}
