import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The live dashboard at `/`: our page (src/api/static) and uPlot from our own node_modules —
 * nothing from a CDN, and the CSP says so. Files are read once at start and served from memory;
 * they hold no data, so they are public (the page asks for an API key when the API wants one).
 */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const staticDir = findStaticDir();
  const uplotDir = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  const files: Record<string, { body: Buffer; type: string }> = {
    '/': { body: readFileSync(join(staticDir, 'index.html')), type: 'text/html; charset=utf-8' },
    '/static/dashboard.js': {
      body: readFileSync(join(staticDir, 'dashboard.js')),
      type: 'text/javascript; charset=utf-8',
    },
    '/static/dashboard.css': {
      body: readFileSync(join(staticDir, 'dashboard.css')),
      type: 'text/css; charset=utf-8',
    },
    '/vendor/uplot/uPlot.iife.min.js': {
      body: readFileSync(join(uplotDir, 'uPlot.iife.min.js')),
      type: 'text/javascript; charset=utf-8',
    },
    '/vendor/uplot/uPlot.min.css': {
      body: readFileSync(join(uplotDir, 'uPlot.min.css')),
      type: 'text/css; charset=utf-8',
    },
  };
  const csp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  for (const [url, file] of Object.entries(files)) {
    app.get(url, { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', file.type)
        .header('content-security-policy', csp)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', url.startsWith('/vendor/') ? 'public, max-age=86400' : 'no-cache')
        .send(file.body),
    );
  }
};

/** src/api/static, found from this module whether it runs from src/ (tsx) or dist/src/ (build). */
function findStaticDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, 'static'), join(dir, 'src', 'api', 'static')]) {
      if (existsSync(join(candidate, 'index.html'))) return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error('dashboard files (src/api/static/index.html) not found');
}
