import { after } from 'node:test';
import { chromium, type Browser } from 'playwright-core';

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
