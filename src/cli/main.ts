#!/usr/bin/env node
// The `patron` binary: runs the program (program.ts) on this process's environment and streams.
import type { RunningServer } from '../server.js';
import type { CliIo } from './io.js';
import { runPatron } from './program.js';

/** `serve` keeps the process until SIGTERM/SIGINT, then closes gracefully within the bound. */
function keepServing(server: RunningServer, shutdownTimeoutMs: number): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    const log = server.app.log;
    log.info({ signal, timeoutMs: shutdownTimeoutMs }, 'shutting down: finishing what is under way');
    // Past the bound, exit anyway: what had not committed is rolled back by the store.
    setTimeout(() => {
      log.error({ timeoutMs: shutdownTimeoutMs }, 'shutdown took longer than PATRON_SHUTDOWN_TIMEOUT_MS; exiting now');
      process.exit(1);
    }, shutdownTimeoutMs).unref();
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
}

const io: CliIo = {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errStream: process.stderr,
  exitCode: 0,
  keepServing,
};

const code = await runPatron(process.argv.slice(2), io);
// A failed command exits at once, as before; a finished one lets its handles close (serve keeps them).
if (code !== 0) process.exit(code);
