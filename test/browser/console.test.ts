import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { accessible, consoleLink, sharedBrowser } from '../helpers/browser.js';
import { startNode, PROJECT_ROOT } from '../helpers/cli.js';
import { startReceiver } from '../helpers/receiver.js';
import { CUSTOMERS } from '../helpers/app.js';
import { http } from '../helpers/server.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';
import { waitUntil } from '../helpers/wait.js';
import { changeAccount } from '../../src/modules/accounts/accounts.service.js';
import { getDeliveries, removeSubscription } from '../../src/modules/webhooks/webhooks.service.js';

// The console end to end: a whole node over HTTP, links made by the CLI's command, a real Chromium.
/** PATRON_SCREENSHOTS=1 also saves the screenshots of docs/console.md (docs/console/). */
const SCREENSHOTS = process.env.PATRON_SCREENSHOTS === '1' ? join(PROJECT_ROOT, 'docs', 'console') : undefined;

const database = await sharedTestDatabase();
const receiver = await startReceiver();
const browser = await sharedBrowser();
const node = await startNode({
  DATABASE_URL: database.url,
  PATRON_WORKER_POLL_MS: '100',
  PATRON_WEBHOOK_ALLOW_PRIVATE: 'true',
  PATRON_WEBHOOK_RETRY_DELAYS: '1',
});

const account = await database.newAccount({ mergeBy: 'email' }, 'console');
await database.subscribe(account.id, receiver.url, ['customer.profile.updated']);
const upsert = (body: object) => http(node.baseUrl, 'POST', CUSTOMERS, { apikey: account.apiKey }, body);
const details = async (customerId: string) =>
  (
    await http(node.baseUrl, 'GET', `${CUSTOMERS}/${customerId}/details`, {
      apikey: account.apiKey,
      secretkey: account.secretKey,
    })
  ).body;
await upsert({
  customerId: 'con-ann',
  email: 'ann@shop.io',
  customerAttributes: { displayName: 'Ann Lee', city: 'Cairo' },
});
await upsert({ customerId: 'con-ann-pos', email: 'ANN@shop.io', customerAttributes: { firstName: 'Ann' } });
await upsert({ customerId: 'con-bob', email: 'bob@shop.io', customerAttributes: { displayName: 'Bob' } });

const link = (role: 'viewer' | 'editor') => consoleLink(database.url, account.id, role, node.baseUrl);

async function shot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe(`the console in a real browser (${TEST_STORE})`, () => {
  test('an editor signs in by link, finds a customer, edits, meets a refusal beside its field, replays a delivery, unmerges and signs out', async () => {
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => void (r.url().startsWith(node.baseUrl) || foreign.push(r.url())));

    await page.goto(await link('editor'));
    assert.equal(new URL(page.url()).pathname, '/console');
    const [cookie] = await context.cookies();
    assert.deepEqual(
      [cookie!.name, cookie!.httpOnly, cookie!.sameSite, cookie!.path],
      ['patron_console', true, 'Strict', '/console'],
    );
    await accessible(page, 'search page');

    await page.getByLabel(/customerId \(or its beginning\)/).fill('con-');
    await page.getByRole('button', { name: 'Find' }).click();
    assert.deepEqual(await page.locator('tbody td:first-child').allInnerTexts(), ['con-ann', 'con-ann-pos', 'con-bob']);
    assert.equal(await page.locator('caption').innerText(), '3 matches');
    await accessible(page, 'search results');
    await shot(page, 'search');
    await page.getByRole('link', { name: 'con-ann', exact: true }).click();
    await page.getByRole('heading', { name: 'Customer con-ann' }).waitFor();
    await accessible(page, 'customer page');

    await page.getByLabel('City').fill('Luxor');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(
      ((await details('con-ann')) as { customerAttributes: { city: string } }).customerAttributes.city,
      'Luxor',
    );
    const history = (
      await http(node.baseUrl, 'GET', `${CUSTOMERS}/con-ann/history?limit=1`, {
        apikey: account.apiKey,
        secretkey: account.secretKey,
      })
    ).body as { history: Array<{ requestId: string; changes: Array<{ field: string }> }> };
    assert.match(
      history.history[0]!.requestId,
      /^console editor session [0-9a-f]{8}$/,
      'the change is recorded with the console role and session',
    );
    assert.deepEqual(
      history.history[0]!.changes.map((c) => c.field),
      ['customerAttributes.city'],
    );

    const emailBefore = ((await details('con-ann')) as { email: string }).email;
    await page.getByLabel('Email').fill('not an email');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const beside = page.locator('#f-email-error');
    await beside.waitFor();
    assert.match(await beside.innerText(), /'email'/);
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    assert.equal(((await details('con-ann')) as { email: string }).email, emailBefore, 'nothing was written');
    await accessible(page, 'customer page with a refusal');
    await shot(page, 'customer');

    await waitUntil(
      async () =>
        receiver.received.some((r) => r.body.customer_id === 'con-ann' && JSON.stringify(r.body).includes('Luxor')),
      { what: 'the edit reached the webhook receiver' },
    );
    await page.reload();
    const before = receiver.received.length;
    await page
      .getByRole('button', { name: /^Replay delivery \d+$/ })
      .last()
      .click();
    await page
      .getByRole('status')
      .filter({ hasText: /queued again/ })
      .waitFor();
    await waitUntil(async () => receiver.received.length > before, { what: 'the replayed delivery arrived again' });

    await page.getByLabel('customerId to detach into a profile of its own').selectOption('con-ann-pos');
    await page.getByLabel(/I understand this splits/).check();
    await page.getByRole('button', { name: 'Unmerge' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Unmerged: con-ann-pos now has a profile of its own/ })
      .waitFor();
    assert.notEqual(
      ((await details('con-ann-pos')) as { gameballId: number }).gameballId,
      ((await details('con-ann')) as { gameballId: number }).gameballId,
    );

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await accessible(page, 'signed-out page');
    const again = await page.goto(`${node.baseUrl}/console`);
    assert.equal(again!.status(), 401);
    assert.deepEqual(foreign, [], 'no page loads anything from elsewhere');
    await context.close();
  });

  test('a viewer sees the customer but cannot change anything, not even by posting the form directly', async () => {
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    await page.goto(await link('viewer'));
    await page.goto(`${node.baseUrl}/console/customers/con-bob`);
    await page.getByText('You are signed in as a viewer').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);
    await accessible(page, 'customer page, viewer');
    const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
    const posted = await page.request.post(`${node.baseUrl}/console/customers/con-bob/attributes`, {
      form: { csrf: csrf!, 'customerAttributes.city': 'Aswan' },
    });
    assert.equal(posted.status(), 403);
    const deleted = await page.request.post(`${node.baseUrl}/console/customers/con-bob/delete`, {
      form: { csrf: csrf!, confirm: 'yes' },
    });
    assert.equal(deleted.status(), 403);
    assert.equal(
      ((await details('con-bob')) as { customerAttributes: { city?: string } }).customerAttributes.city,
      undefined,
    );
    await context.close();
  });

  test('the Identity panel says how each customerId joined and which identifiers are keys; "Compare with…" says why', async () => {
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    await page.goto(await link('viewer'));
    await upsert({ customerId: 'con-cat', email: 'cat@shop.io' });
    await upsert({ customerId: 'con-cat-pos', email: 'CAT@shop.io' });
    await page.goto(`${node.baseUrl}/console/customers/con-cat`);
    const panel = page.getByRole('region', { name: 'Identity' });
    await panel.getByText('con-cat-pos').waitFor();
    assert.match(await panel.innerText(), /con-cat: created the profile/);
    assert.match(await panel.innerText(), /con-cat-pos: merged by email cat@shop\.io/);
    assert.match(
      await panel.innerText(),
      /email cat@shop\.io: a merge key — a new customerId sending it joins this profile/i,
    );
    await page.getByLabel('Compare with customerId').fill('con-bob');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByRole('status').getByText('Two profiles').waitFor();
    assert.match(await page.getByRole('status').innerText(), /different-email/);
    await accessible(page, 'customer page, identity and comparison');
    await page.getByLabel('Compare with customerId').fill('nobody-here');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByRole('alert').getByText('"nobody-here"').waitFor();
    await context.close();
  });

  test('an editor merges another customer into this one, confirmed, and the Identity panel says so', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await link('editor'));
    await upsert({ customerId: 'con-eve', email: 'eve@shop.io' });
    await upsert({ customerId: 'con-eve-old', email: 'eve.old@shop.io', customerAttributes: { city: 'Luxor' } });
    await page.goto(`${node.baseUrl}/console/customers/con-eve`);
    await page.getByLabel('customerId of another profile to merge into this one').fill('con-eve-old');
    await page.getByRole('button', { name: 'Merge into this customer' }).click();
    assert.equal(
      await page.getByText('Merged: con-eve-old is now on this profile').count(),
      0,
      'not without the box ticked',
    );
    await page.getByLabel('I understand this joins the two profiles').check();
    await page.getByRole('button', { name: 'Merge into this customer' }).click();
    await page.getByText('Merged: con-eve-old is now on this profile').waitFor();
    const panel = page.getByRole('region', { name: 'Identity' });
    assert.match(await panel.innerText(), /con-eve-old: joined by an explicit merge of gameballId \d+/);
    // The retired profile's history is under the customer's, ending with the merge.
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText(/History of profile \d+, merged into \d+/).click();
    assert.match(await history.locator('details').innerText(), /explicit merge .* through con-eve-old/);
    assert.equal(
      ((await details('con-eve')) as { customerAttributes: { city?: string } }).customerAttributes.city,
      'Luxor',
    );
    await context.close();
  });

  test('a change without the form token of the session is refused (CSRF), and a link works once', async () => {
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    const url = await link('editor');
    await page.goto(url);
    const forged = await page.request.post(`${node.baseUrl}/console/customers/con-bob/attributes`, {
      form: { csrf: 'forged', 'customerAttributes.city': 'Aswan' },
    });
    assert.equal(forged.status(), 403);
    assert.equal(
      ((await details('con-bob')) as { customerAttributes: { city?: string } }).customerAttributes.city,
      undefined,
    );
    const other = await browser.newContext();
    const second = await (await other.newPage()).goto(url);
    assert.equal(second!.status(), 401);
    assert.match(await second!.text(), /already used/);
    await other.close();
    await context.close();
  });

  test('search: exact matches first, "first 20 of N", and the next page by its link', async () => {
    for (let i = 0; i < 24; i++) await upsert({ customerId: `page-${i}`, email: `page-${i}@shop.io` });
    await upsert({
      customerId: 'pg-last',
      email: 'page@shop.io',
      customerAttributes: { firstName: 'Pat', lastName: 'Page' },
    });
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    await page.goto(await link('viewer'));
    await page.getByLabel(/customerId \(or its beginning\)/).fill('page');
    await page.getByRole('button', { name: 'Find' }).click();
    // Each page is a new document: wait for its caption before reading its rows.
    await page.locator('caption', { hasText: 'first 20 of 25 matches' }).waitFor();
    const first = await page.locator('tbody td:first-child').allInnerTexts();
    assert.equal(first[0], 'pg-last', 'page@shop.io: the email whose part before the @ is the term comes first');
    assert.equal(await page.locator('tbody tr').first().locator('td:nth-child(3)').innerText(), 'Pat Page');
    await accessible(page, 'search results with more pages');
    await page.getByRole('link', { name: 'Next 5 matches' }).click();
    await page.locator('caption', { hasText: 'matches 21–25 of 25' }).waitFor();
    const second = await page.locator('tbody td:first-child').allInnerTexts();
    assert.equal(second.length, 5);
    assert.equal(new Set([...first, ...second]).size, 25, 'every match once across the two pages');
    await accessible(page, 'second page of search results');
    await page.getByRole('link', { name: 'Previous 20 matches' }).click();
    await page.locator('caption', { hasText: 'first 20 of 25 matches' }).waitFor();
    assert.deepEqual(await page.locator('tbody td:first-child').allInnerTexts(), first);
    await context.close();
  });

  test('batches: a running job shows live progress, then its failed items; every page passes axe', async () => {
    // A small bulk budget (a chunk of 200 items in 10 s) keeps the job running while its page opens,
    // however slow the machine; then a larger one moves it on, then none. A read limit beside it
    // shows, in RateLimit-Limit, when the node's account cache has the settings.
    await changeAccount(database.store, account.id, { rateLimitBulk: 20, rateLimitReads: 100_000 });
    try {
      const items = Array.from({ length: 600 }, (_, i) =>
        i === 7 || i === 250
          ? { customerId: `bad-${i}`, email: 'not an email' }
          : { customerId: `job-${i}`, email: `job-${i}@shop.io` },
      );
      const readLimit = async () =>
        (await http(node.baseUrl, 'GET', `${CUSTOMERS}/con-bob`, { apikey: account.apiKey })).headers[
          'ratelimit-limit'
        ];
      await waitUntil(async () => (await readLimit()) !== undefined, {
        what: "the node's account cache has the bulk budget",
      });
      const submitted = await http(
        node.baseUrl,
        'POST',
        '/api/v4.0/integrations/batch/customers',
        { apikey: account.apiKey, secretkey: account.secretKey },
        { body: items },
      );
      assert.equal(submitted.status, 200);
      const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
      const page = await context.newPage();
      await page.goto(await link('viewer'));
      await page.getByRole('link', { name: 'Batches' }).click();
      await page.getByRole('heading', { name: 'Batches' }).waitFor();
      await accessible(page, 'batches page');
      await page.getByRole('link', { name: String(submitted.body.jobId), exact: true }).click();
      const bar = page.locator('progress');
      const first = Number(await bar.getAttribute('value'));
      assert.ok(first < 600, 'the job is still running when its page opens');
      await accessible(page, 'batch page, running');
      await changeAccount(database.store, account.id, { rateLimitBulk: 60 });
      await page.waitForFunction((start) => Number(document.querySelector('progress')?.value) > start, first, {
        timeout: 30_000,
      });
      await shot(page, 'batch');
      await changeAccount(database.store, account.id, { rateLimitBulk: 0 }); // the rest at full speed
      // When the job ends the page reloads and lists every failed item.
      await page.locator('[data-field=status]', { hasText: 'completed' }).waitFor({ timeout: 40_000 });
      const rows = await page.locator('tbody tr').allInnerTexts();
      assert.deepEqual(
        rows.map((r) => r.split('\t').slice(0, 3)),
        [
          ['7', 'bad-7', '3003'],
          ['250', 'bad-250', '3003'],
        ],
      );
      await accessible(page, 'batch page, ended');
      await context.close();
    } finally {
      await changeAccount(database.store, account.id, { rateLimitBulk: 0, rateLimitReads: 0 });
    }
  });

  test('webhooks: subscriptions and dead deliveries, replayed from the page', async () => {
    const failing = await startReceiver();
    let accept = false;
    failing.respondWith(() => (accept ? 200 : 500));
    const sub = await database.subscribe(account.id, failing.url, ['customer.profile.updated']);
    await upsert({ customerId: 'con-dead', email: 'dead@shop.io' });
    const deadOne = () =>
      database.store.db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
        .innerJoin('customer_ids as c', 'c.gameball_id', 'e.gameball_id')
        .select(['d.id', 'd.status'])
        .where('c.account_id', '=', account.id)
        .where('c.customer_id', '=', 'con-dead')
        .where('d.subscription_id', '=', sub.id)
        .executeTakeFirst();
    await waitUntil(async () => (await deadOne())?.status === 'dead', { what: "con-dead's delivery is dead" });
    const deadId = (await deadOne())!.id;
    assert.ok((await getDeliveries(database.store, account.id, true)).some((d) => d.id === deadId));
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    await page.goto(await link('editor'));
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('cell', { name: failing.url }).waitFor();
    await accessible(page, 'webhooks page');
    await shot(page, 'webhooks');
    accept = true;
    await page.getByRole('button', { name: `Replay delivery ${deadId}`, exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /queued again/ })
      .waitFor();
    await waitUntil(async () => failing.received.some((r) => r.body.customer_id === 'con-dead'), {
      what: 'the replayed delivery arrived',
    });
    await removeSubscription(database.store, sub.id);
    await context.close();
  });
});
