import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { waitUntil } from './wait.js';

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown> & { data: Record<string, unknown> };
  at: number;
}

/**
 * The env of a node that delivers to these receivers: they listen on 127.0.0.1, which only
 * PATRON_WEBHOOK_ALLOW_PRIVATE lets a node send to (the default refusal is tested in
 * test/webhooks/targets.test.ts); two retries, a second apart; a worker that polls often.
 */
export function receiverNodeEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    PATRON_WEBHOOK_RETRY_DELAYS: '1,1',
    PATRON_WORKER_POLL_MS: '100',
    PATRON_WEBHOOK_TIMEOUT_MS: '2000',
    PATRON_WEBHOOK_ALLOW_PRIVATE: 'true',
  };
}

/** A request's headers as one string each, as webhook verifiers (the `standardwebhooks` package) take them. */
export function headersOf(request: Received): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
}

/** A webhook receiver on 127.0.0.1 that records every request and answers as told. */
export async function startReceiver() {
  const received: Received[] = [];
  let respond: (request: Received) => number | Promise<number> = () => 200;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', async () => {
      const entry: Received = { headers: req.headers, raw, body: JSON.parse(raw), at: Date.now() };
      const status = await respond(entry);
      if (status >= 200 && status < 300) received.push(entry);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  after(close);
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    /** Accepted (2xx) requests, in arrival order. */
    received,
    /** Every request, accepted or not. */
    respondWith(fn: (request: Received) => number | Promise<number>) {
      respond = fn;
    },
    close,
    waitFor(predicate: (all: Received[]) => boolean, timeout = 20_000): Promise<void> {
      return waitUntil(() => predicate(received), {
        what: () => `the receiver's requests met the test's condition (${received.length} accepted by then)`,
        timeout,
      });
    },
  };
}
