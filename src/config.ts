import { parseDatabaseUrl } from './db/database-url.js';

/**
 * One typed Config from the environment; command-line flags may override single values.
 * Unknown PATRON_* variables and malformed values stop the start with a message that names
 * the setting, so a typo never silently falls back to a default.
 */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: LogLevel;
  dbPoolSize: number;
  dbStatementTimeoutMs: number;
  /** Requests per minute per apiKey on each node; 0 turns the limit off. */
  rateLimitPerMinute: number;
  webhookRetryDelays: number[];
  workerPollMs: number;
  /** How long a node's claim on a batch job lasts unless renewed (after every chunk). */
  batchLeaseMs: number;
  webhookTimeoutMs: number;
  /** Days a profile's history is kept; 0: no history is recorded. */
  historyRetentionDays: number;
  /** The key-encryption key as written (never logged); undefined: see loadMasterKey. */
  masterKey: string | undefined;
  /** Webhooks may go to loopback, private and link-local addresses (local development only). */
  webhookAllowPrivate: boolean;
  /** SIGTERM/SIGINT: how long a node may take to finish what it started before it exits anyway. */
  shutdownTimeoutMs: number;
  /** /metrics on this port instead of the API's; undefined: on the API's port. */
  metricsPort: number | undefined;
}

/** The http:// origin of a host and port (an IPv6 address in brackets). */
export const httpOrigin = (host: string, port: number): string =>
  `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface Setting {
  env: string;
  description: string;
  default: string;
}

/** The settings table; docs/operations.md's configuration section follows it. */
export const SETTINGS: readonly Setting[] = [
  { env: 'PORT', description: 'HTTP port', default: '8080' },
  { env: 'HOST', description: 'Interface to listen on', default: '127.0.0.1' },
  {
    env: 'DATABASE_URL',
    description: 'sqlite:<path> or postgres://user:pass@host:port/db',
    default: 'sqlite:./data/patron.sqlite',
  },
  { env: 'LOG_LEVEL', description: LOG_LEVELS.join(' | '), default: 'info' },
  { env: 'PATRON_DB_POOL_SIZE', description: 'PostgreSQL connections per node', default: '10' },
  { env: 'PATRON_DB_STATEMENT_TIMEOUT_MS', description: 'PostgreSQL statement timeout (0 = none)', default: '5000' },
  {
    env: 'PATRON_WEBHOOK_RETRY_DELAYS',
    description: 'seconds before each webhook retry, comma-separated; then the delivery is dead',
    default: '300,1200,3600',
  },
  {
    env: 'PATRON_WORKER_POLL_MS',
    description: 'how often a node looks for due webhook deliveries and waiting batch jobs',
    default: '1000',
  },
  {
    env: 'PATRON_BATCH_LEASE_MS',
    description:
      "how long a node's claim on a batch job lasts unless renewed: another node takes over a dead node's job after this",
    default: '10000',
  },
  { env: 'PATRON_WEBHOOK_TIMEOUT_MS', description: 'how long a webhook receiver has to answer', default: '10000' },
  {
    env: 'PATRON_HISTORY_RETENTION_DAYS',
    description:
      "days a profile's history entries are kept (older ones are purged by the worker); 0 records no history",
    default: '400',
  },
  {
    env: 'PATRON_MASTER_KEY',
    description:
      "key that seals accounts' secretKeys at rest (session tokens need it): 32 bytes as base64 or hex; embedded default: a key file beside the database",
    default: '',
  },
  {
    env: 'PATRON_WEBHOOK_ALLOW_PRIVATE',
    description:
      'true: webhooks may go to loopback, private, link-local and other non-public addresses (local development; refused by default)',
    default: 'false',
  },
  {
    env: 'PATRON_SHUTDOWN_TIMEOUT_MS',
    description:
      'on SIGTERM/SIGINT, how long a node may take to finish in-flight requests, writes and deliveries before it exits anyway',
    default: '10000',
  },
  {
    env: 'PATRON_METRICS_PORT',
    description:
      'serve /metrics (Prometheus) on this port, on HOST, instead of on the API port (empty: on the API port)',
    default: '',
  },
  {
    env: 'PATRON_RATE_LIMIT_PER_MINUTE',
    description: 'requests per minute per apiKey on each node (0 = no limit)',
    default: '0',
  },
];

export type ConfigOverrides = Partial<Record<string, string | undefined>>;

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function flag(name: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  return value === 'true';
}

function delays(name: string, raw: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p)))
    throw new ConfigError(`${name} must be whole seconds separated by commas, e.g. 300,1200,3600; got "${raw}"`);
  return parts.map(Number);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const known = new Set(SETTINGS.map((s) => s.env));
  const unknown = Object.keys(env).filter((key) => key.startsWith('PATRON_') && !known.has(key));
  if (unknown.length > 0) {
    throw new ConfigError(`Unknown setting ${unknown.join(', ')}. Known settings: ${[...known].join(', ')}`);
  }
  const read = (name: string): string => {
    const fromFlag = overrides[name];
    if (fromFlag !== undefined) return fromFlag;
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    const setting = SETTINGS.find((s) => s.env === name);
    if (!setting) throw new ConfigError(`No such setting ${name}`);
    return setting.default;
  };

  const databaseUrl = read('DATABASE_URL');
  if (parseDatabaseUrl(databaseUrl) === undefined) {
    throw new ConfigError(`DATABASE_URL must be sqlite:<path> or postgres://…, got "${databaseUrl}"`);
  }
  const logLevel = read('LOG_LEVEL');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const host = read('HOST');
  if (host.trim() === '') throw new ConfigError('HOST must not be empty');

  return {
    port: integer('PORT', read('PORT'), 0, 65535),
    host,
    databaseUrl,
    logLevel: logLevel as LogLevel,
    dbPoolSize: integer('PATRON_DB_POOL_SIZE', read('PATRON_DB_POOL_SIZE'), 1, 1000),
    dbStatementTimeoutMs: integer(
      'PATRON_DB_STATEMENT_TIMEOUT_MS',
      read('PATRON_DB_STATEMENT_TIMEOUT_MS'),
      0,
      3_600_000,
    ),
    rateLimitPerMinute: integer('PATRON_RATE_LIMIT_PER_MINUTE', read('PATRON_RATE_LIMIT_PER_MINUTE'), 0, 100_000_000),
    webhookRetryDelays: delays('PATRON_WEBHOOK_RETRY_DELAYS', read('PATRON_WEBHOOK_RETRY_DELAYS')),
    workerPollMs: integer('PATRON_WORKER_POLL_MS', read('PATRON_WORKER_POLL_MS'), 10, 3_600_000),
    batchLeaseMs: integer('PATRON_BATCH_LEASE_MS', read('PATRON_BATCH_LEASE_MS'), 1_000, 3_600_000),
    webhookTimeoutMs: integer('PATRON_WEBHOOK_TIMEOUT_MS', read('PATRON_WEBHOOK_TIMEOUT_MS'), 100, 600_000),
    historyRetentionDays: integer('PATRON_HISTORY_RETENTION_DAYS', read('PATRON_HISTORY_RETENTION_DAYS'), 0, 36_500),
    masterKey: read('PATRON_MASTER_KEY') || undefined,
    webhookAllowPrivate: flag('PATRON_WEBHOOK_ALLOW_PRIVATE', read('PATRON_WEBHOOK_ALLOW_PRIVATE')),
    shutdownTimeoutMs: integer('PATRON_SHUTDOWN_TIMEOUT_MS', read('PATRON_SHUTDOWN_TIMEOUT_MS'), 100, 600_000),
    metricsPort:
      read('PATRON_METRICS_PORT') === ''
        ? undefined
        : integer('PATRON_METRICS_PORT', read('PATRON_METRICS_PORT'), 0, 65535),
  };
}
