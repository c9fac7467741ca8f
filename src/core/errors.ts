/**
 * One error type for the whole service, classified by domain and retry hint (as kafkajs and Arroyo do).
 * Every code is documented in the README's error table; `status` is what the API answers with.
 */
export type ErrorDomain = 'user' | 'external' | 'internal';

export interface ErrorSpec {
  status: number;
  retriable: boolean;
  domain: ErrorDomain;
  summary: string;
}

export const ERROR_CODES = {
  SL_ERR_CONFIG: {
    status: 500,
    retriable: false,
    domain: 'user',
    summary: 'The pipeline configuration is invalid.',
  },
  SL_ERR_SCHEMA: {
    status: 400,
    retriable: false,
    domain: 'user',
    summary: 'A record does not match the configured schema.',
  },
  SL_ERR_VALIDATION: {
    status: 400,
    retriable: false,
    domain: 'user',
    summary: 'A request parameter or body is invalid.',
  },
  SL_ERR_NOT_FOUND: {
    status: 404,
    retriable: false,
    domain: 'user',
    summary: 'The named resource does not exist.',
  },
  SL_ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    retriable: false,
    domain: 'user',
    summary: 'The path exists, but not for this method; the `allow` header lists the methods it takes.',
  },
  SL_ERR_UNAUTHORIZED: {
    status: 401,
    retriable: false,
    domain: 'user',
    summary: 'A valid API key is required.',
  },
  SL_ERR_RATE_LIMITED: {
    status: 429,
    retriable: true,
    domain: 'user',
    summary: 'Too many requests for this API key.',
  },
  SL_ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    retriable: false,
    domain: 'user',
    summary: 'The request body is too large.',
  },
  SL_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retriable: false,
    domain: 'user',
    summary: 'The request body is not JSON (send `content-type: application/json`).',
  },
  SL_ERR_SOURCE: {
    status: 503,
    retriable: true,
    domain: 'external',
    summary: 'The source (Kafka or file) failed.',
  },
  SL_ERR_SINK: {
    status: 503,
    retriable: true,
    domain: 'external',
    summary: 'The sink (ClickHouse, DuckDB or file) failed.',
  },
  SL_ERR_CHECKPOINT: {
    status: 503,
    retriable: true,
    domain: 'external',
    summary: 'The checkpoint store failed.',
  },
  SL_ERR_LEASE_LOST: {
    status: 409,
    retriable: false,
    domain: 'external',
    summary: 'This instance no longer holds the lease; its write was refused.',
  },
  SL_ERR_UNAVAILABLE: {
    status: 503,
    retriable: true,
    domain: 'external',
    summary: 'A dependency is not ready yet.',
  },
  SL_ERR_UNREACHABLE: {
    status: 503,
    retriable: true,
    domain: 'external',
    summary:
      'At start, a configured service (Kafka, ClickHouse, Redis) did not answer within `startupTimeout`; the service did not start.',
  },
  SL_ERR_INTERNAL: {
    status: 500,
    retriable: false,
    domain: 'internal',
    summary: 'A bug in streamlearn: please report it.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The service's error: a code from {@link ERROR_CODES}, a message for humans, and an optional cause. */
export class StreamlearnError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly status: number;
  readonly domain: ErrorDomain;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StreamlearnError';
    const spec: ErrorSpec = ERROR_CODES[code];
    this.code = code;
    this.status = spec.status;
    this.domain = spec.domain;
    this.retriable = options.retriable ?? spec.retriable;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when retrying might help: our retriable errors and network-level failures, never programming errors. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof StreamlearnError) return err.retriable;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return false;
  const code = (err as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    /^(ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR)/.test(code)
  ) {
    return true;
  }
  return (err as { retriable?: unknown } | null)?.retriable === true;
}
