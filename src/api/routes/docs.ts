import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { errorTableMarkdown } from '../errors.js';
import { errorSchema, jsonSchema } from '../schemas.js';

/**
 * OpenAPI 3 document (`/openapi.json`) and its page (`/docs`), built from the routes' schemas.
 * Must be installed before the routes so @fastify/swagger sees them. Error codes are documented in
 * the document's description (the same table as docs/errors.md).
 */
export async function installDocs(app: FastifyInstance, options: { version: string }): Promise<void> {
  app.addSchema({ $id: 'Error', ...jsonSchema(errorSchema) });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'streamlearn API',
        version: options.version,
        description:
          'Predictions, models, window results, drift and alerts of a streamlearn pipeline.\n\n' +
          'Send the API key as `x-api-key: <key>` or `authorization: Bearer <key>` (not needed in ' +
          'local demo mode). `/healthz`, `/readyz`, the dashboard and these docs are open.\n\n' +
          errorTableMarkdown().replace(/^# Error codes\n/, '## Error codes\n'),
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
      tags: [
        { name: 'models', description: 'Online models and predictions' },
        { name: 'windows', description: 'Window results from the sink' },
        { name: 'drift', description: 'Drift scores, reference and alerts' },
        { name: 'live', description: 'Server-Sent Events' },
        { name: 'ops', description: 'Health, readiness, metrics' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  // The docs page and its assets are open, like the document.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, public: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false } });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
