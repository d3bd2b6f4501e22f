#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ConfigError, httpOrigin, loadConfig, type ConfigOverrides } from '../config.js';
import { AppError } from '../errors.js';
import { migrateToLatest } from '../db/migrator.js';
import { openStore } from '../db/open-store.js';
import type { Store } from '../db/connect.js';
import { connect } from '../db/connect.js';
import { changeAccount, createAccount, findAccountRecord, getAccount, getAccounts, mintSessionToken, rotateAccountKeys, sessionTokenStatus } from '../modules/accounts/accounts.service.js';
import { describeAccount, settingsFrom, withSettingsFlags, type AccountFlags } from './account-flags.js';
import { MERGE_BY } from '../modules/accounts/accounts.types.js';
import { findMergeCollisions } from '../modules/identity/check-merge.js';
import { addSubscription, getDeliveries, getSubscriptions, removeSubscription, replayDelivery } from '../modules/webhooks/webhooks.service.js';
import { TOPICS } from '../modules/webhooks/webhooks.types.js';
import { SIGNATURE_SCHEMES } from '../modules/webhooks/webhook-signature.js';
import { SingleBar, Presets } from 'cli-progress';
import { writeFileSync } from 'node:fs';

const program = new Command();
program
  .name('patron')
  .description('Patron: customer identity and profiles for loyalty programs (Gameball v4.0 compatible).')
  .option('--database-url <url>', 'overrides DATABASE_URL (sqlite:<path> or postgres://…)')
  .showHelpAfterError();

function overrides(extra: ConfigOverrides = {}): ConfigOverrides {
  const { databaseUrl } = program.opts<{ databaseUrl?: string }>();
  return { DATABASE_URL: databaseUrl, ...extra };
}

/** Runs a command against the migrated store and always closes it. */
async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig(process.env, overrides()));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

program
  .command('serve')
  .description('migrate the store, then serve the HTTP API')
  .option('--port <port>', 'overrides PORT')
  .option('--host <host>', 'overrides HOST')
  .option('--log-level <level>', 'overrides LOG_LEVEL')
  .action(async (flags: { port?: string; host?: string; logLevel?: string }) => {
    const config = loadConfig(process.env, overrides({ PORT: flags.port, HOST: flags.host, LOG_LEVEL: flags.logLevel }));
    // Loaded here so that the other commands do not pay for the HTTP stack at every start.
    const { startServer } = await import('../server.js');
    const server = await startServer(config);
    // Before the listening line, which scripts (and the tests) wait for.
    if (server.metricsUrl) console.log(`Metrics at ${server.metricsUrl}`);
    console.log(`Patron listening on ${server.url} (store: ${server.store.location})`);
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      const log = server.app.log;
      log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: finishing what is under way');
      // Past the bound, exit anyway: what had not committed is rolled back by the store.
      setTimeout(() => {
        log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took longer than PATRON_SHUTDOWN_TIMEOUT_MS; exiting now');
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
      server.close().then(
        () => {
          log.info('shut down cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });

program
  .command('migrate')
  .description('bring the store schema up to date (serve does this too)')
  .action(async () => {
    const config = loadConfig(process.env, overrides());
    const store = connect(config.databaseUrl, { poolSize: 1 });
    try {
      const applied = await migrateToLatest(store);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The store is up to date.');
    } finally {
      await store.close();
    }
  });

const accounts = program.command('accounts').description('manage merchant accounts and their keys');

withSettingsFlags(accounts.command('create').description('create an account and print its keys (shown once)'))
  .requiredOption('--name <name>', 'account name')
  .action(async (flags: AccountFlags & { name: string }) => {
    const { account, keys, sessionTokens } = await withStore(async (store) => {
      const created = await createAccount(store, flags.name, settingsFrom(flags));
      return { ...created, sessionTokens: await sessionTokenStatus(store, created.account.id) };
    });
    console.log(flags.json ? JSON.stringify({ ...account, ...keys, sessionTokens }) : describeAccount(account, keys, sessionTokens));
  });

accounts
  .command('list')
  .description('list accounts')
  .option('--json', 'print a JSON array')
  .action(async (flags: { json?: boolean }) => {
    const all = await withStore((store) => getAccounts(store));
    if (flags.json) return console.log(JSON.stringify(all));
    if (all.length === 0) return console.log('No accounts yet. Create one with: patron accounts create --name <name>');
    console.log(['id', 'name', 'mergeBy', 'referralCompletion', 'highSecurity'].join('\t'));
    for (const a of all) console.log([a.id, a.name, a.mergeBy, a.referralCompletion, a.highSecurity].join('\t'));
  });

accounts
  .command('show <id>')
  .description('show one account (never its keys)')
  .option('--json', 'print one JSON object')
  .action(async (id: string, flags: { json?: boolean }) => {
    const { account, sessionTokens } = await withStore(async (store) => ({ account: await getAccount(store, id), sessionTokens: await sessionTokenStatus(store, id) }));
    console.log(flags.json ? JSON.stringify({ ...account, sessionTokens }) : describeAccount(account, undefined, sessionTokens));
  });

withSettingsFlags(accounts.command('update <id>').description('change an account\'s name or settings'))
  .option('--name <name>', 'new account name')
  .action(async (id: string, flags: AccountFlags) => {
    const account = await withStore((store) =>
      changeAccount(store, id, { ...settingsFrom(flags), ...(flags.name !== undefined && { name: flags.name }) }),
    );
    console.log(flags.json ? JSON.stringify(account) : describeAccount(account));
  });

accounts
  .command('check-merge')
  .description('list profiles whose identifiers would collide if the account merged by --merge-by (changes nothing)')
  .requiredOption('--account <id>', 'account id')
  .addOption(new Option('--merge-by <mode>', 'the merging to check').choices(MERGE_BY).makeOptionMandatory())
  .option('--json', 'print one JSON object {mergeBy, collisions}')
  .action(async (flags: { account: string; mergeBy: string; json?: boolean }) => {
    const collisions = await withStore((store) => findMergeCollisions(store, flags.account, flags.mergeBy));
    if (collisions.length > 0) process.exitCode = 3;
    if (flags.json) return console.log(JSON.stringify({ mergeBy: flags.mergeBy, collisions }));
    if (collisions.length === 0) return console.log(`No two profiles share an identifier for --merge-by ${flags.mergeBy}.`);
    console.log(`${collisions.length} group${collisions.length === 1 ? '' : 's'} of profiles share an identifier (these would not merge: each is refused with 3008 until fixed):`);
    for (const c of collisions) {
      console.log(`${c.kind} ${c.key}: ${c.profiles.map((p) => `gameballId ${p.gameballId} (customerIds ${p.customerIds.join(', ')})`).join(', ')}`);
    }
  });

accounts
  .command('rotate-keys <id>')
  .description('issue a new apiKey and secretKey; the old ones stop working within 1 s on every running node')
  .option('--json', 'print one JSON object')
  .action(async (id: string, flags: { json?: boolean }) => {
    const { account, keys, sessionTokens } = await withStore(async (store) => ({ ...(await rotateAccountKeys(store, id)), sessionTokens: await sessionTokenStatus(store, id) }));
    console.log(flags.json ? JSON.stringify({ ...account, ...keys, sessionTokens }) : describeAccount(account, keys, sessionTokens));
  });

program
  .command('tokens')
  .description('session tokens (X-GB-TOKEN) for API v4.1')
  .command('create')
  .description("make a session token exactly as a merchant's backend would, to try the mobile SDK path locally")
  .requiredOption('--account <id>', 'account id')
  .requiredOption('--customer-id <id>', 'the customer the token acts for')
  .option('--ttl <duration>', 'lifetime: seconds, or a number with s, m, h or d', '2h')
  .option('--email <email>', 'customerEmail claim')
  .option('--mobile <mobile>', 'customerMobile claim')
  .option('--json', 'print one JSON object {token, customerId, expiresAt}')
  .action(async (flags: { account: string; customerId: string; ttl: string; email?: string; mobile?: string; json?: boolean }) => {
    const claims = { customerId: flags.customerId, ...(flags.email !== undefined && { customerEmail: flags.email }), ...(flags.mobile !== undefined && { customerMobile: flags.mobile }) };
    const made = await withStore((store) => mintSessionToken(store, flags.account, claims, flags.ttl));
    console.log(flags.json ? JSON.stringify({ token: made.token, customerId: claims.customerId, expiresAt: made.expiresAt }) : made.token);
  });

const webhooks = program.command('webhooks').description('webhook subscriptions and deliveries');

webhooks
  .command('add')
  .description('subscribe a URL to topics; prints the signing secret once')
  .requiredOption('--account <id>', 'account id')
  .requiredOption('--url <url>', 'receiver URL (http or https)')
  .requiredOption('--topics <t1,t2>', `comma-separated: ${TOPICS.join(', ')}`)
  .addOption(new Option('--signature <scheme>', "how X-GB-Signature is made: Patron's HMAC-SHA256, or Gameball's v4 SHA-1 for receivers written for it").choices(SIGNATURE_SCHEMES).default('hmac-sha256'))
  .option('--secret <value>', 'the secret your receiver already verifies with (default: a new random one)')
  .option('--json', 'print one JSON object {id, url, topics, signature, secret}')
  .action(async (flags: { account: string; url: string; topics: string; signature: string; secret?: string; json?: boolean }) => {
    const { webhookAllowPrivate } = loadConfig(process.env, overrides());
    const added = await withStore((store) =>
      addSubscription(store, flags.account, flags.url, flags.topics.split(','), {
        signature: flags.signature,
        allowPrivate: webhookAllowPrivate,
        ...(flags.secret !== undefined && { secret: flags.secret }),
      }),
    );
    if (flags.json) return console.log(JSON.stringify({ id: added.id, url: added.url, topics: added.topics, signature: added.signature, secret: added.secret }));
    const how = added.signature === 'gameball-v4' ? 'hex SHA-1 of the raw body + ":" + this secret' : 'hex HMAC-SHA256 of the raw body under this secret';
    console.log(`id: ${added.id}\nurl: ${added.url}\ntopics: ${added.topics.join(', ')}\nsignature: ${added.signature}\nsecret: ${added.secret}\nVerify X-GB-Signature (${how}); the secret is shown once.`);
  });

webhooks
  .command('list')
  .description("list an account's subscriptions (never their secrets)")
  .requiredOption('--account <id>', 'account id')
  .option('--json', 'print a JSON array')
  .action(async (flags: { account: string; json?: boolean }) => {
    const all = await withStore((store) => getSubscriptions(store, flags.account));
    if (flags.json) return console.log(JSON.stringify(all));
    if (all.length === 0) return console.log('No subscriptions.');
    for (const s of all) console.log([s.id, s.url, s.topics.join(',')].join('\t'));
  });

webhooks
  .command('remove <id>')
  .description('remove a subscription and its queued deliveries')
  .action(async (id: string) => {
    await withStore((store) => removeSubscription(store, id));
    console.log(`Removed ${id}.`);
  });

webhooks
  .command('deliveries')
  .description('recent deliveries of an account, newest first')
  .requiredOption('--account <id>', 'account id')
  .option('--dead', 'only deliveries that ran out of retries')
  .option('--limit <n>', 'how many', '100')
  .option('--json', 'print a JSON array')
  .action(async (flags: { account: string; dead?: boolean; limit: string; json?: boolean }) => {
    const rows = await withStore((store) => getDeliveries(store, flags.account, flags.dead === true, Number(flags.limit)));
    if (flags.json) return console.log(JSON.stringify(rows));
    if (rows.length === 0) return console.log('No deliveries.');
    console.log(['id', 'topic', 'status', 'attempts', 'lastStatus', 'lastError', 'nextAttemptAt', 'eventId'].join('\t'));
    for (const r of rows) console.log([r.id, r.topic, r.status, r.attempts, r.lastStatus ?? '-', r.lastError ?? '-', r.nextAttemptAt, r.eventId].join('\t'));
  });

webhooks
  .command('replay <deliveryId>')
  .description('send a delivery again (a running patron serve picks it up at once)')
  .action(async (deliveryId: string) => {
    await withStore((store) => replayDelivery(store, Number(deliveryId)));
    console.log(`Delivery ${deliveryId} is queued again.`);
  });

program
  .command('customers')
  .description('customers, from the operator side')
  .command('export')
  .description('write everything Patron holds about a customer (profile, ids, devices, tags, referrals, history, webhook events) to a JSON file')
  .requiredOption('--account <id>', 'account id')
  .requiredOption('--customer-id <id>', 'any customerId of the profile')
  .option('--out <file>', 'where to write it (default: customer-<gameballId>-export.json); created readable by its owner only')
  .action(async (flags: { account: string; customerId: string; out?: string }) => {
    const { exportCustomer } = await import('../modules/privacy/customer-export.js');
    const document = await withStore(async (store) => {
      const account = await findAccountRecord(store, flags.account);
      if (!account) throw new AppError('notFound', `No account with id "${flags.account}".`);
      return exportCustomer(store, account, flags.customerId.trim());
    });
    const file = flags.out ?? `customer-${document.gameballId}-export.json`;
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
    console.log(`Wrote ${file}: gameballId ${document.gameballId}, ${document.customerIds.length} customerIds, ${document.history.length} history entries, ${document.webhookEvents.length} webhook events.`);
  });

program
  .command('import <file>')
  .description('bulk-load customers from a .csv or .jsonl file through the same rules as the API')
  .requiredOption('--account <id>', 'account id')
  .option('--rejected <path>', 'where rejected rows go (default: <file>.rejected.jsonl)')
  .action(async (file: string, flags: { account: string; rejected?: string }) => {
    const rejectedFile = flags.rejected ?? `${file}.rejected.jsonl`;
    // Loaded here: the upsert rules are the heaviest modules, and only this command needs them.
    const [{ countRows }, { importFile }, { NodeRegistry }, { BulkBudget }] = await Promise.all([
      import('../modules/batches/import-rows.js'),
      import('../modules/batches/import.service.js'),
      import('../modules/limits/node-registry.js'),
      import('../modules/limits/bulk-budget.js'),
    ]);
    const summary = await withStore(async (store) => {
      const account = await findAccountRecord(store, flags.account);
      if (!account) throw new AppError('notFound', `No account with id "${flags.account}".`);
      const bar = new SingleBar(
        { format: 'importing [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 5000, etaBuffer: 2000 },
        Presets.shades_classic,
      );
      bar.start(await countRows(file), 0);
      let rows = 0;
      // A running import is a node of its own: it shares the account's bulk budget with the serve nodes' batches.
      const registry = new NodeRegistry(store, 'import');
      await registry.start({ warn: (_context, message) => console.error(`warning: ${message}`) });
      try {
        return await importFile(store, account, file, rejectedFile, (done) => {
          rows = done;
          if (done % 100 === 0) bar.update(done);
        }, new BulkBudget(registry));
      } finally {
        await registry.stop();
        bar.update(rows);
        bar.stop();
      }
    });
    const rate = summary.seconds > 0 ? Math.round(summary.rows / summary.seconds) : summary.rows;
    console.log(`Imported ${summary.imported} of ${summary.rows} rows in ${summary.seconds.toFixed(1)} s (${rate} rows/s).`);
    if (summary.rejected > 0) {
      console.log(`Rejected ${summary.rejected} rows; each is in ${summary.rejectedFile} with its row number and reason.`);
      process.exitCode = 3;
    }
  });

const consoleCommand = program.command('console').description('the web console for the people who look after customers');

consoleCommand
  .command('link')
  .description('print a one-time sign-in link to the console (the link is used up when opened)')
  .requiredOption('--account <id>', 'account the session may see (one only)')
  .addOption(new Option('--role <role>', 'viewer: look only; editor: change too').choices(['viewer', 'editor']).default('viewer'))
  .option('--ttl <duration>', 'how long the link stays usable, 1m to 1d (the session then lasts 8 h)', '15m')
  .option('--base-url <url>', 'where users reach Patron (default: http://HOST:PORT)')
  .action(async (flags: { account: string; role: string; ttl: string; baseUrl?: string }) => {
    const config = loadConfig(process.env, overrides());
    const { createSignInToken } = await import('../modules/console/console-sessions.js');
    const { token, expiresAt } = await withStore((store) => createSignInToken(store, flags.account, flags.role, flags.ttl));
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const base = (flags.baseUrl ?? httpOrigin(host, config.port)).replace(/\/+$/, '');
    console.log(`${base}/console/sign-in?token=${token}`);
    console.log(`One use, ${flags.role}, until ${expiresAt}.`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof AppError) {
    console.error(`patron: ${error.message}`);
    process.exit(2);
  }
  console.error('patron: failed:', error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
