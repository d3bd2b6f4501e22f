import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { accessible, consoleLink, sharedBrowser } from '../helpers/browser.js';
import { startNode } from '../helpers/cli.js';
import { CUSTOMERS } from '../helpers/app.js';
import type { TestAccount } from '../helpers/accounts.js';
import { http } from '../helpers/server.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';
import { waitUntil } from '../helpers/wait.js';
import { scoreRound } from '../../src/modules/duplicates/index.js';

// The console's "Possible duplicates" queue end to end: a whole node over HTTP, links made by the
// CLI's command, a real Chromium (docs/console.md, docs/duplicates.md).
const DUPLICATES = '/api/v4.0/integrations/duplicates';

const database = await sharedTestDatabase();
const browser = await sharedBrowser();
const node = await startNode({ DATABASE_URL: database.url, PATRON_WORKER_POLL_MS: '100' });

const account = await database.newAccount({ mergeBy: 'none', defaultCountry: 'EG' }, 'console-duplicates');
const keys = (a: TestAccount) => ({ apikey: a.apiKey, secretkey: a.secretKey });
const upsert = async (a: TestAccount, body: object) =>
  assert.equal((await http(node.baseUrl, 'POST', CUSTOMERS, { apikey: a.apiKey }, body)).status, 200);
const details = async (customerId: string) =>
  (await http(node.baseUrl, 'GET', `${CUSTOMERS}/${customerId}/details`, keys(account))).body as {
    gameballId: number;
  };
type Listed = { id: number; decidedBy: string | null; profiles: Array<{ customerIds: string[] }> };
const suggestions = async (a: TestAccount, status = 'open') =>
  (
    (await http(node.baseUrl, 'GET', `${DUPLICATES}?status=${status}&limit=100`, keys(a))).body as {
      suggestions: Listed[];
    }
  ).suggestions;

/** Scores what the writes queued (in this process, on the node's store; the node's worker takes rounds too) until `count` are open. */
async function scored(a: TestAccount, count: number): Promise<void> {
  while ((await scoreRound(database.store)) > 0);
  await waitUntil(async () => (await suggestions(a)).length === count, {
    what: `${count} possible duplicates are open`,
  });
}

// Three people, each twice: another email spelling, the national form of a mobile, a transliterated name.
const cairo = { dateOfBirth: '1990-04-12', city: 'Cairo' };
await upsert(account, {
  customerId: 'dup-mariam-web',
  email: 'mariam.elsayed@gmail.com',
  mobile: '+201001234567',
  customerAttributes: { firstName: 'Mariam', lastName: 'El-Sayed', ...cairo },
});
await upsert(account, {
  customerId: 'dup-mariam-pos',
  email: 'mariamelsayed@gmail.com',
  mobile: '01001234567',
  customerAttributes: { firstName: 'Maryam', lastName: 'Elsayed', ...cairo },
});
const omar = { firstName: 'Omar', lastName: 'Hassan', dateOfBirth: '1985-07-01' };
await upsert(account, {
  customerId: 'dup-omar-web',
  email: 'omar.hassan@outlook.com',
  mobile: '+201112223334',
  customerAttributes: { ...omar, city: 'Giza' },
});
await upsert(account, {
  customerId: 'dup-omar-app',
  email: 'omarhassan@outlook.com',
  mobile: '01112223334',
  customerAttributes: { ...omar, lastName: 'Hasan', city: 'Sheikh Zayed' },
});
const layla = { lastName: 'Mahmoud', dateOfBirth: '1993-02-20', city: 'Alexandria' };
await upsert(account, {
  customerId: 'dup-layla-web',
  email: 'layla.mahmoud@yahoo.com',
  mobile: '+201223344556',
  customerAttributes: { firstName: 'Layla', ...layla },
});
await upsert(account, {
  customerId: 'dup-layla-pos',
  email: 'laylamahmoud@yahoo.com',
  mobile: '01223344556',
  customerAttributes: { firstName: 'Laila', ...layla },
});
await scored(account, 3);

const link = (a: TestAccount, role: 'viewer' | 'editor') => consoleLink(database.url, a.id, role, node.baseUrl);

/** The section of the suggestion naming this customerId. */
const pair = (page: Page, customerId: string): Locator =>
  page
    .getByRole('region', { name: /^Possible duplicate #\d+ — \d+ % alike$/ })
    .filter({ has: page.getByRole('link', { name: customerId, exact: true }) });
const row = (section: Locator, label: string): Locator =>
  section.locator('tbody tr').filter({ has: section.page().getByRole('rowheader', { name: label, exact: true }) });
const idOf = async (customerId: string) =>
  (await suggestions(account)).find((s) => s.profiles.some((p) => p.customerIds.includes(customerId)))!.id;

describe(`the console's possible duplicates in a real browser (${TEST_STORE})`, () => {
  test('a viewer sees the queue but no forms, and cannot decide by posting directly', async () => {
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    await page.goto(await link(account, 'viewer'));
    await page.getByRole('link', { name: 'Possible duplicates' }).click();
    await page.getByRole('heading', { name: 'Possible duplicates', level: 1 }).waitFor();
    assert.equal(await page.getByRole('region', { name: /^Possible duplicate #/ }).count(), 3);
    await page.getByText('You are signed in as a viewer').waitFor();
    assert.equal(await page.locator('main form').count(), 0, 'no forms for a viewer');
    assert.equal(await page.getByRole('button', { name: 'Merge these profiles' }).count(), 0);
    await accessible(page, 'duplicates page, viewer');
    const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
    const id = await idOf('dup-layla-web');
    for (const action of ['merge', 'dismiss']) {
      const posted = await page.request.post(`${node.baseUrl}/console/duplicates/${id}/${action}`, {
        form: { csrf: csrf!, confirm: 'yes' },
      });
      assert.equal(posted.status(), 403, action);
    }
    assert.equal((await suggestions(account)).length, 3, 'nothing decided');
    await context.close();

    // An account with nothing to review says so.
    const empty = await database.newAccount({ mergeBy: 'none' }, 'console-duplicates-empty');
    const other = await browser.newContext();
    const second = await other.newPage();
    await second.goto(await link(empty, 'viewer'));
    await second.goto(`${node.baseUrl}/console/duplicates`);
    await second.getByText('No possible duplicates waiting.').waitFor();
    await other.close();
  });

  test('an editor sees each pair side by side with what matched, merges one (confirmed) and dismisses another', async () => {
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    await page.goto(await link(account, 'editor'));
    await page.getByRole('link', { name: 'Possible duplicates' }).click();
    const mariam = pair(page, 'dup-mariam-web');
    await mariam.waitFor();
    assert.match(
      (await mariam.getByRole('heading').innerText()).trim(),
      /^Possible duplicate #\d+ — (9\d|100) % alike$/,
    );
    assert.deepEqual(await mariam.locator('thead th').allInnerTexts(), [
      'field',
      `gameballId ${(await details('dup-mariam-web')).gameballId}`,
      `gameballId ${(await details('dup-mariam-pos')).gameballId}`,
      'match',
    ]);
    await row(mariam, 'customerIds').getByRole('link', { name: 'dup-mariam-pos', exact: true }).waitFor();
    for (const [label, values] of [
      ['email', ['mariam.elsayed@gmail.com', 'mariamelsayed@gmail.com']],
      ['mobile', ['+201001234567']],
      ['date of birth', ['1990-04-12']],
    ] as const) {
      const r = row(mariam, label);
      assert.equal(await r.getAttribute('class'), 'matched', label);
      assert.match(await r.innerText(), /✓ matched/, `${label} says it matched in words`);
      assert.equal(await r.locator('mark').count(), 2, `${label}: both values marked`);
      for (const value of values) assert.match(await r.innerText(), new RegExp(value.replace(/[.+]/g, '\\$&')));
    }
    assert.deepEqual(
      await row(mariam, 'first name')
        .locator('td')
        .allInnerTexts()
        .then((t) => t.slice(0, 2)),
      ['Mariam', 'Maryam'],
    );
    assert.match(await mariam.innerText(), /What matched: .*date-of-birth/);
    const omar = pair(page, 'dup-omar-web');
    assert.equal(await row(omar, 'city').getAttribute('class'), null, 'a field that differs is not marked');
    assert.doesNotMatch(await row(omar, 'city').innerText(), /matched/);
    await accessible(page, 'duplicates page, editor');

    // Not without the box ticked: the browser keeps the form, and a direct post is refused with the reason.
    const mariamId = await idOf('dup-mariam-web');
    await mariam.getByRole('button', { name: 'Merge these profiles' }).click();
    const csrf = (await page.locator('input[name=csrf]').first().getAttribute('value'))!;
    const unticked = await page.request.post(`${node.baseUrl}/console/duplicates/${mariamId}/merge`, {
      form: { csrf },
    });
    assert.equal(unticked.status(), 422);
    assert.match(await unticked.text(), /role="alert">Tick the box to confirm the merge/);
    assert.notEqual((await details('dup-mariam-web')).gameballId, (await details('dup-mariam-pos')).gameballId);
    assert.equal((await suggestions(account)).length, 3, 'nothing merged');

    await mariam.getByLabel('I understand this joins the two profiles').check();
    await mariam.getByRole('button', { name: 'Merge these profiles' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Merged: possible duplicate #\d+ — dup-mariam-web, dup-mariam-pos are now one profile/ })
      .waitFor();
    assert.equal(await pair(page, 'dup-mariam-web').count(), 0, 'the pair left the queue');
    assert.equal(await page.getByRole('region', { name: /^Possible duplicate #/ }).count(), 2);
    await accessible(page, 'duplicates page after a merge');
    const merged = (await suggestions(account, 'merged')).find((s) => s.id === mariamId)!;
    assert.match(merged.decidedBy!, /^console editor session [0-9a-f]{8}$/);
    const again = await page.request.post(`${node.baseUrl}/console/duplicates/${mariamId}/merge`, {
      form: { csrf, confirm: 'yes' },
    });
    assert.equal(again.status(), 409, 'already decided');
    assert.match(await again.text(), /role="alert">Possible duplicate \d+ was already merged/);

    await page.goto(`${node.baseUrl}/console/customers/dup-mariam-pos`);
    await page.getByRole('heading', { name: 'Customer dup-mariam-pos' }).waitFor();
    assert.match(
      await page.locator('dd').nth(1).innerText(),
      /dup-mariam-web.*dup-mariam-pos|dup-mariam-pos.*dup-mariam-web/,
    );
    assert.match(
      await page.getByRole('region', { name: 'History' }).innerText(),
      /console editor session [0-9a-f]{8}/,
      'the merge is in the history, by the session',
    );

    await page.getByRole('link', { name: 'Possible duplicates' }).click();
    await pair(page, 'dup-omar-web').getByRole('button', { name: 'Not the same person' }).click();
    await page
      .getByRole('status')
      .filter({
        hasText: /^Dismissed: possible duplicate #\d+ — dup-omar-web and dup-omar-app are not the same person/,
      })
      .waitFor();
    assert.equal(await pair(page, 'dup-omar-web').count(), 0, 'dismissed: gone from the queue');
    assert.ok(
      (await suggestions(account, 'dismissed')).some((s) => s.profiles[0]!.customerIds.includes('dup-omar-web')),
    );
    assert.notEqual((await details('dup-omar-web')).gameballId, (await details('dup-omar-app')).gameballId);
    await context.close();
  });

  test('a decision without the form token of the session is refused (CSRF), and an unknown suggestion is said', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await link(account, 'editor'));
    const id = await idOf('dup-layla-web');
    for (const action of ['merge', 'dismiss']) {
      const forged = await page.request.post(`${node.baseUrl}/console/duplicates/${id}/${action}`, {
        form: { csrf: 'forged', confirm: 'yes' },
      });
      assert.equal(forged.status(), 403, action);
      const missing = await page.request.post(`${node.baseUrl}/console/duplicates/${id}/${action}`, {
        form: { confirm: 'yes' },
      });
      assert.equal(missing.status(), 403, action);
    }
    assert.ok(
      (await suggestions(account)).some((s) => s.id === id),
      'still open',
    );
    await page.goto(`${node.baseUrl}/console/duplicates`);
    const csrf = (await page.locator('input[name=csrf]').first().getAttribute('value'))!;
    const unknown = await page.request.post(`${node.baseUrl}/console/duplicates/999999/dismiss`, { form: { csrf } });
    assert.equal(unknown.status(), 404);
    assert.match(await unknown.text(), /role="alert">No possible duplicate with id 999999/);
    await context.close();
  });

  test('the queue shows 20 a page, and the next page by its link', async () => {
    const many = await database.newAccount({ mergeBy: 'none' }, 'console-duplicates-paging');
    const names = ['Adam', 'Basma', 'Karim', 'Dalia', 'Fady', 'Ghada', 'Hany', 'Iman', 'Jana', 'Khaled', 'Lina'];
    for (let i = 0; i < 21; i++) {
      const person = {
        email: `pager${i}@shop.io`,
        mobile: `+2010${String(20_000_000 + i * 7919).padStart(8, '0')}`,
        customerAttributes: {
          firstName: names[i % names.length],
          lastName: `Tester${String.fromCharCode(97 + i)}`,
          dateOfBirth: `19${70 + i}-0${1 + (i % 9)}-1${i % 10}`,
        },
      };
      await upsert(many, { customerId: `pg-${i}-a`, ...person });
      await upsert(many, { customerId: `pg-${i}-b`, ...person });
    }
    await scored(many, 21);
    const context = await browser.newContext({ bypassCSP: true }); // axe-core is injected by the test
    const page = await context.newPage();
    await page.goto(await link(many, 'viewer'));
    await page.goto(`${node.baseUrl}/console/duplicates`);
    const sections = page.getByRole('region', { name: /^Possible duplicate #/ });
    await sections.first().waitFor();
    assert.equal(await sections.count(), 20);
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByRole('link', { name: 'First page' }).waitFor();
    assert.equal(await sections.count(), 1);
    assert.match(new URL(page.url()).search, /^\?startAfter=\d+$/);
    assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0);
    await accessible(page, 'second page of the queue');
    await context.close();
  });
});
