import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli } from './cli.js';

/** Debian's Chromium (npm test installs it when missing); the flags keep it off the network. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The run's one Chromium: `npm test` launches it once (scripts/run-tests.mjs) and names its
 * endpoint in PATRON_TEST_BROWSER_WS; a browser file run on its own launches its own. Call it at
 * module level (the connection closes when the file ends); each test then opens a context of
 * its own (fresh cookies and storage) with browser.newContext().
 */
export async function sharedBrowser(): Promise<Browser> {
  const endpoint = process.env.PATRON_TEST_BROWSER_WS;
  const browser = endpoint
    ? await chromium.connect(endpoint)
    : await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  after(() => browser.close()); // for a connection: disconnects, the run's browser stays
  return browser;
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core in the page: no serious or critical violation. */
export async function accessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
      }
    ).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  assert.deepEqual(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    [],
    `${what}: ${JSON.stringify(violations)}`,
  );
}

/** A one-time console sign-in link (`patron console link`) for the account, on the node at `baseUrl`. */
export async function consoleLink(
  databaseUrl: string,
  accountId: string,
  role: 'viewer' | 'editor',
  baseUrl: string,
): Promise<string> {
  const res = await runCli(['console', 'link', '--account', accountId, '--role', role, '--base-url', baseUrl], {
    DATABASE_URL: databaseUrl,
  });
  assert.equal(res.code, 0, res.stderr);
  return res.stdout.split('\n')[0]!;
}
