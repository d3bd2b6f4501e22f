import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sharedBrowser } from '../helpers/browser.js';
import { http, startTestServer } from '../helpers/server.js';

const server = await startTestServer();
const browser = await sharedBrowser();

describe('/docs and /errors in a real browser', () => {
  test('renders every operation from local assets only', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.baseUrl) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${server.baseUrl}/docs`);
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    const title = await page.locator('.info .title').innerText();
    assert.match(title, /Patron API/);
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    for (const expected of [
      '/api/v4.0/integrations/customers',
      '/api/v4.0/integrations/customers/{customerId}/details',
      '/api/v4.0/integrations/referrals/validate',
    ]) {
      assert.ok(
        paths.some((p) => p.replace(/\u200b/g, '') === expected),
        `${expected} in ${paths.join(', ')}`,
      );
    }
    assert.deepEqual(foreign, [], 'no asset is loaded from elsewhere');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("an error's documentationUrl opens the errors page at its code", async () => {
    const keys = await server.newAccount();
    const error = await http(
      server.baseUrl,
      'POST',
      '/api/v4.0/integrations/customers',
      { apikey: keys.apiKey },
      { customerId: 'e-1', customerAttributes: { totalOrders: 'many' } },
    );
    assert.equal(error.body.code, 3003);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(String(error.body.documentationUrl));
    assert.equal(await page.title(), 'Patron errors');
    const target = page.locator('tr:target');
    assert.match(
      await target.innerText(),
      /^3003\s+422\s+Payload Error\s+A field has the wrong type or an invalid value/,
    );
    await context.close();
  });
});
