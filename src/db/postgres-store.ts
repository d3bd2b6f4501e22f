import { Kysely, PostgresDialect } from 'kysely';
import type { Socket } from 'node:net';
import pg from 'pg';
import { AppError } from '../errors.js';
import type { ConnectOptions, Store } from './connect.js';
import type { Database, Db } from './database.js';
import { postgresDialect } from './dialect.js';
import { WriteAgain, type SqlRunner, type WriteTx } from './sql-runner.js';
import { counter } from './statement-counter.js';
import { tracedStore } from './traced-store.js';
import { writeDuration, writeGroupSize, writeRetries } from '../metrics/metrics.js';

/** The PostgreSQL store, which connect.ts opens for a postgres:// DATABASE_URL. */

let pgTypesSet = false;

/** Make pg return the same JS values as better-sqlite3: int8 → number, timestamptz → ISO string. */
function setPgTypeParsers(): void {
  if (pgTypesSet) return;
  pgTypesSet = true;
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (value) => new Date(value).toISOString());
}

export function connectPostgres(url: string, options: ConnectOptions): Store {
  setPgTypeParsers();
  const pool = new pg.Pool({
    connectionString: url,
    // Statements of one transaction that do not wait for each other share a round trip (a write's
    // BEGIN and key locks go with its resolving read): pg sends each with its own Sync.
    pipeline: true,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // A client losing its server (a restart, a failover: "terminating connection due to
  // administrator command") must not crash the process. pg-pool listens for that only while a
  // client is idle; a client checked out between two statements (a transaction, a worker
  // awaiting something) emits 'error' with no listener, and Node then exits the process. The
  // query in flight, if any, still fails and is answered 503; the pool drops the dead client
  // and the next request reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const statements = counter(options.countStatements ?? false, options.statementTexts);
  const kyselyOn = (source: pg.Pool | ReturnType<typeof heldClient>) =>
    new Kysely<Database>({
      dialect: new PostgresDialect({ pool: source as pg.Pool }),
      ...(statements.log && { log: statements.log }),
    });
  const db = kyselyOn(pool);
  const parsed = new URL(url);
  const write: Store['write'] = (work, lockKeys = []) =>
    postgresWrite(pool, work, lockKeys, statements, (client) => kyselyOn(heldClient(client)));
  return tracedStore(undefined, {
    db,
    dialect: postgresDialect,
    location: `postgres://${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`,
    masterKey: options.masterKey,
    recordsHistory: options.recordsHistory ?? true,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    write,
    // One transaction either way: a chunk is a write with more keys.
    writeChunk: write,
    read: (work) => work(pgRunner(pool, statements)),
    statementCount: statements.total,
    flightCount: statements.flights,
    close: () => db.destroy(),
  });
}

/**
 * Each statement text as PostgreSQL takes it, with the name it is prepared under on every
 * connection: worked out once per text (the texts are a small fixed set).
 */
const pgStatements = new Map<string, { name: string; text: string }>();

function pgStatement(text: string): { name: string; text: string } {
  let statement = pgStatements.get(text);
  if (statement === undefined) {
    statement = { name: `patron_${pgStatements.size + 1}`, text: postgresDialect.statementText(text) };
    pgStatements.set(text, statement);
  }
  return statement;
}

const withReturning = new Map<string, string>();
/** SqlRunner.insert's text asking for the id; kept, so the statement cache meets the same string. */
function returningId(text: string): string {
  let returning = withReturning.get(text);
  if (returning === undefined) withReturning.set(text, (returning = `${text} returning id`));
  return returning;
}

/**
 * Holds a connection's writes back until `release` (or the event loop's next check phase, if
 * nothing releases them sooner), so the statements sent meanwhile (BEGIN and the read pipelined
 * behind it) leave in one write: pg writes each statement with a system call of its own, which
 * measured ~60 µs here, over half of a create's CPU in the Patron process.
 */
function holdWrites(client: pg.PoolClient): () => void {
  const stream = corkable(client);
  if (!stream) return () => undefined;
  stream.cork!();
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    stream.uncork!();
  };
  setImmediate(release);
  return release;
}

/** The client's socket, if it can hold writes back (it can, unless pg's internals change). */
function corkable(client: pg.PoolClient): Partial<Pick<Socket, 'cork' | 'uncork'>> | undefined {
  const stream = (client as unknown as { connection?: { stream?: Partial<Pick<Socket, 'cork' | 'uncork'>> } })
    .connection?.stream;
  return stream?.cork && stream.uncork ? stream : undefined;
}

type Counted = Pick<ReturnType<typeof counter>, 'count' | 'flight'>;

/** Counts the flights of one connection's statements (statement-counter.ts): a send with nothing awaited begins one. */
class Flights {
  private waiting = 0;
  /** Called once the next statement is sent (written to the socket, held or not). */
  afterNextSend: (() => void) | undefined;
  constructor(private readonly counted: Counted) {}

  send<T>(answer: Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.counted.flight();
    const settled = () => void this.waiting--;
    answer.then(settled, settled);
    const after = this.afterNextSend;
    this.afterNextSend = undefined;
    after?.();
    return answer;
  }
}

/**
 * The hot path's statements on PostgreSQL: named, so each connection parses and plans a text
 * once and then only binds parameters (for the resolving read, ~0.3 instead of ~1 ms a
 * transaction on this machine).
 */
function pgRunner(
  queryable: pg.Pool | pg.PoolClient,
  counted: Counted,
  flights = new Flights(counted),
  ended = { yes: false },
): SqlRunner {
  return runnerOf(async <T extends pg.QueryResultRow>(text: string, params: readonly unknown[]) => {
    // Sent after the COMMIT, a statement would run on its own, outside the transaction.
    if (ended.yes) throw new Error('a statement after the transaction ended with its last one');
    counted.count(text);
    return flights.send(queryable.query<T>({ ...pgStatement(text), values: [...params] }));
  });
}

type Execute = <T extends pg.QueryResultRow>(text: string, params: readonly unknown[]) => Promise<pg.QueryResult<T>>;

function runnerOf(execute: Execute): SqlRunner {
  return {
    all: async <T>(text: string, params: readonly unknown[]) => (await execute(text, params)).rows as T[],
    get: async <T>(text: string, params: readonly unknown[]) => (await execute(text, params)).rows[0] as T | undefined,
    run: async (text, params) => (await execute(text, params)).rowCount ?? 0,
    insert: async (text, params) => Number((await execute<{ id: number }>(returningId(text), params)).rows[0]!.id),
  };
}

/**
 * WriteTx.last on PostgreSQL: the statement and COMMIT leave in one write, pipelined. If the
 * statement fails, the server answers the COMMIT of the failed transaction with a rollback.
 */
function lastStatement(client: pg.PoolClient, counted: Counted, flights: Flights, ended: { yes: boolean }): SqlRunner {
  return runnerOf(async <T extends pg.QueryResultRow>(text: string, params: readonly unknown[]) => {
    if (ended.yes) throw new Error('a statement after the transaction ended with its last one');
    ended.yes = true;
    counted.count(text);
    counted.count('commit');
    const stream = corkable(client);
    stream?.cork!();
    const answer = flights.send(client.query<T>({ ...pgStatement(text), values: [...params] }));
    const commit = flights.send(client.query('commit'));
    stream?.uncork!();
    commit.catch(() => undefined);
    const result = await answer;
    await commit;
    return result;
  });
}

/** A pool of one for Kysely: the client of a write transaction, which Kysely must not release. */
function heldClient(client: pg.PoolClient) {
  const held = new Proxy(client, {
    get(target, property) {
      if (property === 'release') return () => undefined;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { connect: async () => held, end: async () => undefined };
}

const WRITE_ATTEMPTS = 5;

/**
 * One write transaction on one pooled connection: BEGIN and the key locks in one round trip,
 * the work, COMMIT. A conflict the server reports (a unique violation a concurrent writer
 * caused, a deadlock it broke) runs the whole transaction again: the next attempt reads what
 * the other writer committed and ends as the serial order would. Past the attempts, the caller
 * is told to retry (409), never a 500. Kysely, for the colder statements of the work, is bound
 * to the same connection only when the work asks for it.
 */
async function postgresWrite<T>(
  pool: pg.Pool,
  work: (tx: WriteTx) => Promise<T>,
  lockKeys: readonly string[],
  counted: Counted,
  kyselyOn: (client: pg.PoolClient) => Db,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const client = await pool.connect();
      const flights = new Flights(counted);
      // Set once the last statement went with its COMMIT: the transaction is over either way.
      const ended = { yes: false };
      let broken: Error | undefined;
      // Not awaited: the work's first statement (the resolving read) is pipelined behind it, one
      // round trip for both. The server runs them in order, so the read still waits for the locks.
      counted.count();
      const began = performance.now();
      const release = holdWrites(client);
      const begin = flights.send(client.query(postgresDialect.beginWithLocks(lockKeys)));
      flights.afterNextSend = release;
      begin.catch(() => undefined);
      try {
        let db: Db | undefined;
        const tx: WriteTx = {
          sql: pgRunner(client, counted, flights, ended),
          get db() {
            return (db ??= kyselyOn(client));
          },
          last: lastStatement(client, counted, flights, ended),
        };
        const result = await work(tx);
        await begin;
        if (!ended.yes) {
          counted.count();
          await flights.send(client.query('commit'));
        }
        writeGroupSize.observe({ store: 'postgres' }, 1);
        writeDuration.observe({ store: 'postgres' }, (performance.now() - began) / 1000);
        return result;
      } catch (failure) {
        // A BEGIN or lock that failed fails the statements pipelined behind it ("transaction is
        // aborted"): the caller hears the first cause (a lock timeout is a 503, not a 500).
        const error = await begin.then(
          () => failure,
          (beginError: unknown) => beginError,
        );
        if (!ended.yes) {
          counted.count();
          await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
        } else if (postgresDialect.isConnectionError(error)) {
          // The COMMIT went out with the last statement; a connection lost since is not handed on.
          broken = error as Error;
        }
        throw error;
      } finally {
        // A connection that cannot even roll back is dropped, not handed to the next request.
        client.release(broken);
      }
    } catch (error) {
      if (!postgresDialect.isRetryable(error) && !(error instanceof WriteAgain)) throw error;
      writeRetries.inc();
      if (attempt >= WRITE_ATTEMPTS) {
        throw new AppError(
          'writeConflict',
          'Concurrent changes to the same customer kept conflicting with this request; nothing was written. Retry it.',
        );
      }
    }
  }
}
