// Generated requests over real HTTP, as a hostile holder of the public apiKey would send them:
// wrong types, deep nesting, unicode edge cases, prototype keys, numbers at and past the limits,
// bodies near 64 KiB, malformed JSON, wrong content types, fuzzed path segments on every route.
// Properties: never a 5xx; every error has the documented shape and names a field where one is
// at fault; a rejected request leaves everything as it was; an accepted upsert stores exactly
// what a model of the rules says (on an account without merging; on one merging by email, the
// answer's gameballId is the profile the customerId then reaches); the node is healthy afterwards.
// FUZZ_RUNS sets the cases per property (npm test: a bounded number; `npm run fuzz` runs long);
// FUZZ_SEED replays a run; FUZZ_DEBUG=1 prints why each rejected upsert was rejected.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { request } from 'undici';
import { CUSTOMERS } from '../helpers/app.js';
import { startTestServer } from '../helpers/server.js';
import { TEST_STORE } from '../helpers/store.js';
import { isStorableText } from '../../src/safe-json.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const server = await startTestServer();
const keys = await server.newAccount();
/** A second account that merges channels by email: identity rules on top of the field rules. */
const merging = await server.newAccount({ mergeBy: 'email' });
const auth = { apikey: keys.apiKey, secretkey: keys.secretKey };
const I = '/api/v4.0/integrations';

const tally = { cases: 0, accepted: 0, rejected: 0, byStatus: new Map<number, number>() };
after(() => {
  const statuses = [...tally.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  console.log(
    `# fuzz (${TEST_STORE}): ${tally.cases} requests, ${tally.accepted} accepted, ${tally.rejected} rejected; statuses ${statuses}`,
  );
});

// ---------------------------------------------------------------------------------------------
// Generators

/** Strings a careless or hostile client sends. */
const edgeString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }), // any code unit, lone surrogates included
  fc.constantFrom(
    '',
    ' ',
    '  padded  ',
    'a\u0000b',
    'x\ud800',
    '\udc00y',
    '😀',
    'مرحبا بالعالم',
    '\u202eevil',
    '__proto__',
    'constructor',
    'prototype',
    'x'.repeat(101),
    'y'.repeat(250),
  ),
);
const edgeNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(Infinity, -Infinity, -0, 2 ** 53 + 1, -(2 ** 53) - 1, 1e308, 5e-324, 0.1),
);
const leaf = fc.oneof(edgeString, edgeNumber, fc.boolean(), fc.constant(null));
const key = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'k\u0000', 'x\ud800', 'z'.repeat(101)),
);
const { value: jsonish } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
}));
/** Arrays nested around the 32-level bound, from either side. */
const deep = fc.integer({ min: 25, max: 40 }).map((levels) => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
});
const anyValue = fc.oneof(leaf, jsonish, deep);
/** Values a well-behaved client sends: most requests must be accepted for the model to matter. */
const plain = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
);
/** Mostly plain, sometimes hostile. */
const usually = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: anyValue });

/** customerIds mostly from a small pool, so that requests update the same profiles. */
const POOL = ['f-1', 'f-2', ' f-3 ', 'f-4'];
const customerId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...POOL) },
  { weight: 2, arbitrary: edgeString },
  { weight: 1, arbitrary: fc.oneof(edgeNumber, fc.constant(null)) },
);

/** customerAttributes, each field good or hostile as `field` makes it. */
function attributesOf(field: <T>(good: fc.Arbitrary<T>) => fc.Arbitrary<unknown>, customValue: fc.Arbitrary<unknown>) {
  return fc.record(
    {
      displayName: field(fc.string({ maxLength: 30 })),
      city: field(fc.constantFrom('Cairo', 'Giza', 'الجيزة', null)),
      totalOrders: field(fc.nat({ max: 50 })),
      totalSpent: field(fc.double({ min: 0, max: 1e6, noNaN: true })),
      channel: field(fc.constantFrom('mobile', 'web', 'pos', 'callcenter')),
      dateOfBirth: field(fc.constantFrom('1990-01-31', '2024-05-01T10:00:00Z', null)),
      paymentMethods: field(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })),
      custom: fc.oneof(
        { weight: 1, arbitrary: field(fc.constant(null)) },
        {
          weight: 6,
          arbitrary: fc.dictionary(
            fc.oneof(
              { weight: 5, arbitrary: fc.constantFrom('a', 'b', 'c', 'tier', 'n') },
              { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
            ),
            customValue,
            { maxKeys: 4 },
          ),
        },
      ),
      extraAttribute: field(plain),
    },
    { requiredKeys: [] },
  );
}

const goodField = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => good;
/** A well-behaved client's request: most of these must be accepted for the model to matter. */
const wellFormed = fc.record(
  {
    customerId: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...POOL) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '') },
    ),
    customerAttributes: fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      {
        weight: 9,
        arbitrary: attributesOf(
          goodField,
          fc.oneof({ weight: 5, arbitrary: plain }, { weight: 1, arbitrary: fc.constant(null) }),
        ),
      },
    ),
    guest: fc.boolean(),
    deviceToken: fc.string({ minLength: 1, maxLength: 20 }),
  },
  { requiredKeys: ['customerId'] },
);
/** Anything goes, field by field. */
const hostile = fc.record(
  {
    customerId,
    customerAttributes: fc.oneof(
      fc.constant(null),
      anyValue,
      attributesOf(usually, fc.oneof(plain, fc.constant(null), anyValue)),
    ),
    guest: usually(fc.boolean()),
    referrerCode: edgeString,
    deviceToken: usually(fc.string({ maxLength: 20 })),
  },
  { requiredKeys: ['customerId'] },
);

const upsertBody = fc.oneof(
  { weight: 5, arbitrary: wellFormed },
  { weight: 4, arbitrary: hostile },
  { weight: 1, arbitrary: anyValue },
);

/** JSON text that keeps what JSON.stringify would change: 1e309 stays Infinity, -0 stays -0. */
function toJsonText(value: unknown): string {
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0';
    return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? '1e309' : '-1e309';
  }
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** How the text reaches the server: as is, broken, padded to the body limit, or mislabelled. */
const delivery = fc.oneof(
  { weight: 12, arbitrary: fc.constant((text: string) => ({ text, type: 'application/json' })) },
  {
    weight: 1,
    arbitrary: fc.nat({ max: 40 }).map((cut) => (text: string) => ({
      text: text.slice(0, Math.max(0, text.length - 1 - cut)),
      type: 'application/json',
    })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 65_000, max: 66_500 }).map((size) => (text: string) => ({
      text: text.startsWith('{"customerId"')
        ? `{"pad":"${'p'.repeat(Math.max(0, size - text.length - 10))}",${text.slice(1)}`
        : text,
      type: 'application/json',
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
        'multipart/form-data',
        '',
      )
      .map((type) => (text: string) => ({ text, type })),
  },
);

// ---------------------------------------------------------------------------------------------
// The model of accepted upserts (docs/api.md "Partial update"), per trimmed customerId

interface ModelProfile {
  attributes: Record<string, unknown>;
  custom: Record<string, unknown>;
}
const model = new Map<string, ModelProfile>();
/** Attributes that details shows from elsewhere than the request's customerAttributes. */
const NOT_MODELLED = new Set(['email', 'mobile', 'tags', 'custom']);

function applyToModel(body: Record<string, unknown>): string {
  const id = String(body.customerId).trim();
  const profile = model.get(id) ?? { attributes: {}, custom: {} };
  const attributes = body.customerAttributes as Record<string, unknown> | null | undefined;
  if (attributes === null) {
    profile.attributes = {};
    profile.custom = {};
  } else if (attributes !== undefined) {
    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'custom') {
        if (value === null) profile.custom = {};
        else
          for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (v === null) delete profile.custom[k];
            else profile.custom[k] = v;
          }
      } else if (!NOT_MODELLED.has(name)) {
        if (value === null) delete profile.attributes[name];
        else profile.attributes[name] = value;
      }
    }
  }
  model.set(id, profile);
  return id;
}

/** What the store can keep of a value: -0 is 0 once written as JSON. */
const stored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

// ---------------------------------------------------------------------------------------------
// Requests and checks

interface Answer {
  status: number;
  body: Record<string, unknown> | undefined;
  requestId: string | undefined;
}

async function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: { text: string; type: string },
): Promise<Answer> {
  const res = await request(`${server.baseUrl}${path}`, {
    method: method as 'GET',
    headers: body ? { ...headers, ...(body.type && { 'content-type': body.type }) } : headers,
    ...(body && { body: body.text }),
  });
  const text = await res.body.text();
  tally.cases += 1;
  tally.byStatus.set(res.statusCode, (tally.byStatus.get(res.statusCode) ?? 0) + 1);
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    parsed = undefined;
  }
  const requestId = res.headers['x-request-id'];
  return { status: res.statusCode, body: parsed, requestId: typeof requestId === 'string' ? requestId : undefined };
}

/** The properties every answer has, whatever was sent. */
function checkAnswer(answer: Answer, what: string): void {
  assert.ok(answer.status < 500, `${what} → ${answer.status} ${JSON.stringify(answer.body)}`);
  if (answer.status >= 400) {
    assert.ok(answer.body, `${what}: an error answer has a JSON body`);
    assert.deepEqual(
      Object.keys(answer.body).sort(),
      ['code', 'documentationUrl', 'message', 'requestId', 'type'],
      what,
    );
    assert.equal(answer.body.requestId, answer.requestId, `${what}: requestId is the x-request-id`);
    if ([3000, 3001, 3003].includes(answer.body.code as number)) {
      // A quoted field name, which may itself be a quote (a key named ' is named ''').
      assert.match(
        String(answer.body.message),
        /'.+'|body/,
        `${what}: names the field at fault (${String(answer.body.message)})`,
      );
    }
  }
}

/** Everything a write would change in the account, cheaply: row counts and the newest update. */
async function fingerprint(account = keys.account.id): Promise<string> {
  const { db } = server.store;
  const [profiles, ids, referrals, latest] = await Promise.all([
    db
      .selectFrom('profiles')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', account)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('customer_ids')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', account)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('referrals')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', account)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('profiles')
      .select((eb) => eb.fn.max('updated_at').as('t'))
      .where('account_id', '=', account)
      .executeTakeFirstOrThrow(),
  ]);
  return JSON.stringify([profiles.n, ids.n, referrals.n, latest.t]).replace(/"/g, '');
}

/**
 * customerIds "." and ".." are valid, but no WHATWG-URL client (browsers, fetch, undici) can put
 * them in a path: "." and "%2E" segments are resolved away before sending. The model still
 * tracks them; they are only not read back by path.
 */
const addressable = (id: string) => id !== '.' && id !== '..';

async function details(id: string): Promise<Record<string, unknown> | undefined> {
  const answer = await send('GET', `${CUSTOMERS}/${encodeURIComponent(id)}/details`, auth);
  return answer.status === 200 ? answer.body : undefined;
}

/** The bad percent-encodings and segments a path fuzzer tries, besides random text. */
const pathSegment = fc.oneof(
  edgeString.map((s) => encodeURIComponent(isStorableText(s) ? s : 'x')),
  fc.constantFrom(
    '%FF',
    '%C0%AF',
    '%ED%A0%80',
    '%',
    '%00',
    '..',
    '%2e%2e',
    '%2F',
    'f-1',
    'f-2',
    '99999999999999999999',
    '-1',
    '0',
  ),
);
const ROUTES: Array<[string, (seg: string) => string]> = [
  ['GET', (s) => `${CUSTOMERS}/${s}`],
  ['GET', (s) => `${CUSTOMERS}/${s}/details`],
  ['PUT', (s) => `${CUSTOMERS}/${s}/activate`],
  ['GET', (s) => `${CUSTOMERS}/${s}/hash`],
  ['POST', (s) => `${CUSTOMERS}/${s}/hash/verify`],
  ['GET', (s) => `${CUSTOMERS}/${s}/referrals?limit=${s}&startAfter=${s}`],
  ['GET', (s) => `${CUSTOMERS}/${s}/referrals/count`],
  ['POST', (s) => `${CUSTOMERS}/${s}/tags`],
  ['DELETE', (s) => `${CUSTOMERS}/${s}/tags`],
  ['DELETE', (s) => `${CUSTOMERS}/f-1/tags/${s}`],
  ['DELETE', (s) => `${CUSTOMERS}/${s}`],
  ['POST', (s) => `${CUSTOMERS}/${s}/delete`],
  ['GET', (s) => `${I}/referrals/validate?referrerCode=${s}&forCustomerId=${s}`],
  ['GET', (s) => `${I}/batches/${s}/status`],
  ['POST', (s) => `${I}/batches/${s}/stop`],
  ['GET', (s) => `/api/v4.0/${s}`],
];

// includeErrorInReport: a failure says which assertion failed, not only the counterexample.
const params = {
  numRuns: RUNS,
  ...(SEED !== undefined && { seed: SEED }),
  endOnFailure: true,
  includeErrorInReport: true,
};

describe(`fuzzed requests over HTTP (${TEST_STORE})`, () => {
  test('upserts: no 5xx, documented errors, rejected changes nothing, accepted stores what the rules say', async () => {
    await fc.assert(
      fc.asyncProperty(upsertBody, delivery, async (body, deliver) => {
        const sent = deliver(toJsonText(body));
        const before = await fingerprint();
        const id =
          body !== null && typeof body === 'object' && typeof (body as { customerId?: unknown }).customerId === 'string'
            ? String((body as { customerId: string }).customerId).trim()
            : undefined;
        const profileBefore = id && model.has(id) && addressable(id) ? await details(id) : undefined;
        const answer = await send('POST', CUSTOMERS, { apikey: keys.apiKey }, sent);
        checkAnswer(answer, `POST ${sent.text.slice(0, 200)}`);
        if (answer.status !== 200) {
          tally.rejected += 1;
          if (process.env.FUZZ_DEBUG)
            console.log(`# rejected ${answer.status} ${String(answer.body?.message).slice(0, 120)}`);
          assert.equal(await fingerprint(), before, `a rejected upsert wrote nothing: ${sent.text.slice(0, 200)}`);
          if (id && profileBefore) assert.deepEqual(await details(id), profileBefore, 'the profile is as it was');
          return;
        }
        tally.accepted += 1;
        assert.equal(typeof answer.body?.gameballId, 'number');
        const modelled = model.get(applyToModel(JSON.parse(sent.text) as Record<string, unknown>))!;
        if (!addressable(id!)) return;
        const profile = await details(id!);
        assert.ok(profile, `the accepted customer ${JSON.stringify(id)} is readable`);
        const shown = profile.customerAttributes as Record<string, unknown>;
        assert.deepEqual(shown.custom, stored(modelled.custom), 'custom is merged key by key');
        const attributes = Object.fromEntries(Object.entries(shown).filter(([name]) => !NOT_MODELLED.has(name)));
        assert.deepEqual(attributes, stored(modelled.attributes), 'attributes are stored as sent');
      }),
      params,
    );
  });

  test('upserts on an account that merges by email: no 5xx, documented errors, rejected changes nothing', async () => {
    const email = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('ann@x.io', 'ANN@x.io ', 'bob@x.io', 'cy@x.io') },
      { weight: 2, arbitrary: fc.oneof(edgeString, fc.emailAddress()) },
      { weight: 1, arbitrary: fc.oneof(anyValue, fc.constant(null)) },
    );
    const body = fc.record(
      {
        customerId: fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom('m-1', 'm-2', 'm-3', 'm-4', 'm-5') },
          { weight: 1, arbitrary: customerId },
        ),
        email,
        customerAttributes: fc.oneof(
          { weight: 4, arbitrary: attributesOf(goodField, plain) },
          {
            weight: 1,
            arbitrary: fc.record({ email, displayName: fc.string({ maxLength: 8 }) }, { requiredKeys: [] }),
          },
          { weight: 1, arbitrary: fc.oneof(fc.constant(null), anyValue) },
        ),
      },
      { requiredKeys: ['customerId'] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (sentBody) => {
        const text = toJsonText(sentBody);
        const before = await fingerprint(merging.account.id);
        const answer = await send('POST', CUSTOMERS, { apikey: merging.apiKey }, { text, type: 'application/json' });
        checkAnswer(answer, `POST (merging) ${text.slice(0, 200)}`);
        if (answer.status !== 200) {
          assert.equal(
            await fingerprint(merging.account.id),
            before,
            `a rejected upsert wrote nothing: ${text.slice(0, 200)}`,
          );
          return;
        }
        // Accepted: the customerId now reaches one profile, and that profile is found by its email.
        const id = String((sentBody as { customerId: string }).customerId).trim();
        if (!addressable(id)) return;
        const shown = await send('GET', `${CUSTOMERS}/${encodeURIComponent(id)}/details`, {
          apikey: merging.apiKey,
          secretkey: merging.secretKey,
        });
        assert.equal(shown.status, 200);
        assert.equal(
          shown.body?.gameballId,
          answer.body?.gameballId,
          'the answer names the profile the customerId reaches',
        );
      }),
      params,
    );
  });

  test('every route with fuzzed path segments and bodies: no 5xx, documented errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        pathSegment,
        fc.option(anyValue, { nil: undefined }),
        delivery,
        async ([method, path], segment, body, deliver) => {
          const url = path(segment);
          const answer = await send(method, url, auth, body === undefined ? undefined : deliver(toJsonText(body)));
          checkAnswer(answer, `${method} ${url}`);
        },
      ),
      params,
    );
  });

  test('the node is healthy afterwards', async () => {
    assert.equal((await send('GET', '/health', {})).status, 200);
    assert.equal((await send('GET', '/ready', {})).status, 200);
    const after = await send(
      'POST',
      CUSTOMERS,
      { apikey: keys.apiKey },
      { text: '{"customerId":"after-fuzz","customerAttributes":{"custom":{"ok":true}}}', type: 'application/json' },
    );
    assert.equal(after.status, 200);
    assert.deepEqual(((await details('after-fuzz'))?.customerAttributes as Record<string, unknown>).custom, {
      ok: true,
    });
  });
});
