/**
 * Default addresses of the real services, as scripts/services.sh and docker/compose.yml serve them.
 * Environment variables override them; without any, the service runs on embedded defaults.
 */
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_CLICKHOUSE_URL = 'http://127.0.0.1:8123';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_HTTP_PORT = 8080;

/** Environment variables that override connection settings in the config file. */
export const CONNECTION_ENV = {
  kafkaBrokers: 'KAFKA_BROKERS',
  clickhouseUrl: 'CLICKHOUSE_URL',
  redisUrl: 'REDIS_URL',
  httpPort: 'PORT',
} as const;
