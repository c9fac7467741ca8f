import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CONNECTION_ENV,
  DEFAULT_CLICKHOUSE_URL,
  DEFAULT_HTTP_PORT,
  DEFAULT_KAFKA_BROKERS,
  DEFAULT_REDIS_URL,
} from '../../src/core/connections.js';

interface PortMapping {
  hostIp?: string;
  published: number;
  target: number;
}

interface ComposeService {
  ports?: (string | number | { target: number | string; published?: number | string; host_ip?: string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

const composePath = fileURLToPath(new URL('../../docker/compose.yml', import.meta.url));
const compose = parse(readFileSync(composePath, 'utf8')) as ComposeFile;

/** Parses the short ("[ip:]published:target[/proto]") and long port syntaxes of compose. */
function portMappings(service: ComposeService): PortMapping[] {
  return (service.ports ?? []).map((entry) => {
    if (typeof entry === 'object') {
      return {
        hostIp: entry.host_ip,
        published: Number(entry.published ?? entry.target),
        target: Number(entry.target),
      };
    }
    const spec = String(entry).replace(/\/(tcp|udp)$/, '');
    const parts = spec.split(':');
    const target = Number(parts.at(-1));
    const published = parts.length >= 2 ? Number(parts.at(-2)) : target;
    const hostIp = parts.length >= 3 ? parts.slice(0, -2).join(':') : undefined;
    return { hostIp, published, target };
  });
}

function environment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Host and port of "host:port" or of a URL; the URL's scheme default port when it names none. */
function hostPort(address: string): { host: string; port: number } {
  if (!address.includes('://')) {
    const first = address.split(',')[0]!.trim();
    const i = first.lastIndexOf(':');
    return { host: first.slice(0, i), port: Number(first.slice(i + 1)) };
  }
  const url = new URL(address);
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'redis:': 6379 };
  return { host: url.hostname, port: url.port ? Number(url.port) : (defaults[url.protocol] ?? NaN) };
}

function service(name: string): ComposeService {
  const s = compose.services[name];
  if (!s) throw new Error(`docker/compose.yml has no service "${name}"`);
  return s;
}

const expected = {
  kafka: hostPort(DEFAULT_KAFKA_BROKERS).port,
  clickhouse: hostPort(DEFAULT_CLICKHOUSE_URL).port,
  redis: hostPort(DEFAULT_REDIS_URL).port,
  streamlearn: DEFAULT_HTTP_PORT,
};

describe('docker/compose.yml', () => {
  it('defines the three services and streamlearn', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['kafka', 'clickhouse', 'redis', 'streamlearn']),
    );
  });

  it.each(Object.entries(expected))(
    'publishes %s on the host port from src/core/connections.ts (%i)',
    (name, port) => {
      const published = portMappings(service(name)).map((m) => m.published);
      expect(published).toContain(port);
    },
  );

  it('publishes the services on the loopback address the defaults use', () => {
    for (const name of ['kafka', 'clickhouse', 'redis'] as const) {
      const mapping = portMappings(service(name)).find((m) => m.published === expected[name]);
      expect(mapping?.hostIp ?? '127.0.0.1').toBe('127.0.0.1');
    }
  });

  it('advertises the published Kafka address to clients on the host', () => {
    const env = environment(service('kafka'));
    const advertised = (env.KAFKA_ADVERTISED_LISTENERS ?? '')
      .split(',')
      .map((l) => l.replace(/^\w+:\/\//, ''));
    expect(advertised).toContain(DEFAULT_KAFKA_BROKERS);
  });

  it('points the streamlearn service at the compose services, on the same ports', () => {
    const env = environment(service('streamlearn'));
    const checks = [
      { variable: CONNECTION_ENV.kafkaBrokers, target: 'kafka', port: expected.kafka },
      { variable: CONNECTION_ENV.clickhouseUrl, target: 'clickhouse', port: expected.clickhouse },
      { variable: CONNECTION_ENV.redisUrl, target: 'redis', port: expected.redis },
    ];
    for (const { variable, target, port } of checks) {
      const value = env[variable];
      expect(value, `${variable} is set`).toBeTruthy();
      const address = hostPort(value!);
      expect(address.host, `${variable} names the compose service`).toBe(target);
      expect(address.port, `${variable} port`).toBe(port);
      // The service listens on that port inside the compose network too.
      if (target === 'kafka') {
        const listeners = environment(service('kafka')).KAFKA_LISTENERS ?? '';
        expect(listeners.split(',').map((l) => Number(l.split(':').at(-1)))).toContain(port);
      } else {
        expect(portMappings(service(target)).map((m) => m.target)).toContain(port);
      }
    }
  });

  it('serves the streamlearn HTTP port it publishes', () => {
    const env = environment(service('streamlearn'));
    const httpPort = Number(env[CONNECTION_ENV.httpPort] ?? DEFAULT_HTTP_PORT);
    expect(httpPort).toBe(DEFAULT_HTTP_PORT);
    const mapping = portMappings(service('streamlearn')).find((m) => m.published === DEFAULT_HTTP_PORT);
    expect(mapping?.target).toBe(httpPort);
  });
});
