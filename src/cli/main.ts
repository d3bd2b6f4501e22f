#!/usr/bin/env node
// The `patron` binary: runs the program (program.ts) on this process's environment and streams.
import type { CliIo } from './io.js';
import { runPatron } from './program.js';
import { keepServing } from './shutdown.js';

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
