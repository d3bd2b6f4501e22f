#!/usr/bin/env node
// The `patron` binary: runs the program (program.ts) on this process's environment and streams.
import type { CliIo } from './io.js';
import { runPatron } from './program.js';
import { keepServing } from './shutdown.js';
import { startTracing, stopTracing } from '../telemetry/index.js';

// OTEL_* set: traces from the first request on (docs/operations.md "Tracing"). Before the
// program, so the store and the app are built knowing it.
await startTracing(process.env);
let serving = false;

const io: CliIo = {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errStream: process.stderr,
  exitCode: 0,
  keepServing: (server, shutdownTimeoutMs) => {
    serving = true;
    keepServing(server, shutdownTimeoutMs);
  },
};

const code = await runPatron(process.argv.slice(2), io);
// A command that ran to its end exports its last spans now; serve does at shutdown.
if (!serving) await stopTracing();
// A failed command exits at once, as before; a finished one lets its handles close (serve keeps them).
if (code !== 0) process.exit(code);
