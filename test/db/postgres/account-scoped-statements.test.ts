import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../../src/app.js';
import type { Store } from '../../../src/db/connect.js';
import type { FastifyInstance } from 'fastify';
import { newAccount, type TestAccount } from '../../helpers/accounts.js';
import { CUSTOMERS, send } from '../../helpers/client.js';
import { openTestStore } from '../../helpers/store.js';
import { connect } from '../../../src/db/connect.js';
import { scoreRound } from '../../../src/modules/duplicates/scoring-round.js';

/**
 * Ready to shard by account (docs/distribution.md): every statement a request sends to an
 * account's tables names the account — a filter `account_id = …` in each part that reads, updates
 * or deletes, a join on it, or the account_id column of each row it inserts — so on Citus each is
 * routed to the one shard of the account. The statements are taken from every API route, run here.
 */

/** Tables distributed by account_id; the others (accounts, patron_nodes, console sign-ins) are reference tables. */
const DISTRIBUTED =
  /\b(profiles|customer_ids|referrals|retired_referral_codes|webhook_subscriptions|webhook_events|webhook_deliveries|webhook_attempts|batch_jobs|batch_items|profile_history|profile_splits|identity_refusals|retired_profiles|profile_changes|duplicate_keys|duplicate_suggestions|idempotency_keys)\b/;

/**
 * The parts of a statement that read or write a table: one per SELECT, UPDATE, DELETE, INSERT. A
 * subquery in an UPDATE's SET (`history_head = (select id from h)`) stays in the UPDATE, whose
 * WHERE follows it.
 */
function parts(statement: string): string[] {
  const split = statement
    .replace(/"/g, '')
    .split(/(?=\b(?:select|update|delete|insert)\b)/i)
    .map((part) => part.trim());
  const joined: string[] = [];
  for (const part of split) {
    const last = joined.at(-1);
    if (last !== undefined && /^update\b/i.test(last) && !/\bwhere\b/i.test(last))
      joined[joined.length - 1] = `${last} ${part}`;
    else joined.push(part);
  }
  return joined;
}

/** Why a part does not name the account (undefined: it does, or it touches no distributed table). */
function unscoped(part: string): string | undefined {
  const insert = /^insert into (\w+)\s*\(([^)]*)\)/i.exec(part);
  if (insert) {
    if (!DISTRIBUTED.test(insert[1]!)) return undefined;
    return /\baccount_id\b/.test(insert[2]!) ? undefined : `inserts into ${insert[1]} without account_id`;
  }
  const touched = /\b(?:from|join|update|delete from)\s+(\w+)/gi;
  const tables = [...part.matchAll(touched)].map((m) => m[1]!).filter((t) => DISTRIBUTED.test(t));
  if (tables.length === 0) return undefined;
  return /\baccount_id\s*=\s*(\?|\$\d+|[\w.]*account_id)/i.test(part)
    ? undefined
    : `reads ${tables.join(', ')} without account_id = …`;
}

describe('every statement a request sends names its account (postgres)', () => {
  const texts = new Set<string>();
  let store: Store & { url: string };
  let app: FastifyInstance;
  let keys: TestAccount;

  before(async () => {
    store = await openTestStore({ countStatements: true, statementTexts: texts });
    app = await buildApp({ store, logLevel: 'silent' });
    keys = await newAccount(store, { mergeBy: 'email', duplicateDetection: true });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, ok = [200]) {
    const res = await send(app, {
      method,
      url,
      headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
      payload,
    });
    assert.ok(ok.includes(res.statusCode), `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  }

  test('the API, route by route', async () => {
    const path = (id: string, rest = '') => `${CUSTOMERS}/${id}${rest}`;
    texts.clear();
    await call('POST', CUSTOMERS, {
      customerId: 'ann',
      email: 'ann@shop.io',
      mobile: '+201001234567',
      customerAttributes: { firstName: 'Ann', lastName: 'Lee' },
    });
    await call('POST', CUSTOMERS, { customerId: 'ann-app', email: 'ANN@shop.io' });
    await call('POST', CUSTOMERS, { customerId: 'ann', customerAttributes: { city: 'Cairo' } });
    await call('POST', `${CUSTOMERS}?dryRun=true`, { customerId: 'ann', customerAttributes: { city: 'Giza' } });
    const { referralCode } = await call('GET', path('ann', '/details'));
    await call('POST', CUSTOMERS, { customerId: 'bob', email: 'bob@shop.io', referrerCode: referralCode });
    await call('POST', CUSTOMERS, {
      customerId: 'anne',
      email: 'ann.lee@mail.io',
      mobile: '+201001234567',
      customerAttributes: { firstName: 'Ann', lastName: 'Lee' },
    });
    await call('GET', path('ann'));
    await call('GET', path('ann', '/hash'));
    await call('POST', path('ann', '/hash/verify'), { hash: 'x' }, [200, 400, 401, 403]);
    await call('PUT', path('bob', '/activate'), { isActive: false });
    await call('POST', path('ann', '/tags'), { tags: 'vip,new' });
    await call('DELETE', path('ann', '/tags'), { tags: 'new' });
    await call('DELETE', path('ann', '/tags/vip'));
    await call('GET', `/api/v4.0/integrations/referrals/validate?referrerCode=${referralCode}&forCustomerId=zed`);
    await call('GET', path('ann', '/referrals'));
    await call('GET', path('ann', '/referrals/count'));
    await call('GET', path('ann', '/history'));
    await call('GET', path('ann', '/identity'));
    await call('GET', path('ann', '/identity/compare?with=bob'));
    await call('GET', path('ann', '/export'));
    await call('POST', path('ann-app', '/unmerge'));
    await call('POST', `${path('ann', '/merge')}?dryRun=true`, { customerId: 'ann-app' });
    await call('POST', path('ann', '/merge'), { customerId: 'ann-app' });
    const batch = await call('POST', '/api/v4.0/integrations/batch/customers', {
      body: [
        { customerId: 'b-1', email: 'b-1@shop.io' },
        { customerId: 'b-2', email: 'b-2@shop.io' },
      ],
    });
    const batchId = String(batch.batchId ?? batch.id);
    await call('GET', `/api/v4.0/integrations/batches/${batchId}/status`);
    await call('POST', `/api/v4.0/integrations/batches/${batchId}/stop`, undefined, [200, 409]);
    // Scored by the worker, off the request path (it claims across accounts): on a connection of its own.
    const worker = connect(store.url, { poolSize: 1 });
    await scoreRound(worker);
    await worker.close();
    const { suggestions } = await call('GET', '/api/v4.0/integrations/duplicates');
    assert.ok(suggestions.length > 0, 'ann and anne are a possible duplicate');
    await call('POST', `/api/v4.0/integrations/duplicates/${suggestions[0].id}/dismiss`);
    await call('POST', path('bob', '/delete'));
    await call('DELETE', path('anne'));

    const failures = [...texts].flatMap((statement) =>
      parts(statement).flatMap((part) => {
        const why = unscoped(part);
        return why ? [`${why}: ${statement.slice(0, 240)}`] : [];
      }),
    );
    assert.deepEqual(failures, []);
    assert.ok(texts.size > 30, `${texts.size} statements seen`);
  });
});
