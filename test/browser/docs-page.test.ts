import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';

// Debian's Chromium (npm test installs it when missing); the flags keep it off the network.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const server = await startTestServer();
// launch() gives the browser a fresh, empty profile of its own.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
after(() => browser.close());

describe('GET /docs in a real browser', () => {
  test('renders every operation from local assets only', async () => {
    const page = await browser.newPage();
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
    for (const expected of ['/api/v4.0/integrations/customers', '/api/v4.0/integrations/customers/{customerId}/details', '/api/v4.0/integrations/referrals/validate']) {
      assert.ok(paths.some((p) => p.replace(/\u200b/g, '') === expected), `${expected} in ${paths.join(', ')}`);
    }
    assert.deepEqual(foreign, [], 'no asset is loaded from elsewhere');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
