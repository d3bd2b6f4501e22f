import type { Writable } from 'node:stream';
import type { RunningServer } from '../server.js';

/**
 * What a `patron` command may touch outside its store: its environment, its two output streams
 * and, for `serve`, the process it keeps alive. The binary passes the real process (main.ts);
 * tests run the same commands in-process with captured output (test/helpers/cli.ts).
 */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  /** One line (or more) of the command's answer, on standard output. */
  out(text: string): void;
  /** Warnings and errors, on standard error. */
  err(text: string): void;
  /** Standard error as a stream, for the import's progress bar. */
  errStream: Writable;
  /** Set by commands that end with a non-zero code without failing (check-merge and import: 3). */
  exitCode: number;
  /** `serve`: the server is listening; keep it running until a signal says otherwise. */
  keepServing(server: RunningServer, shutdownTimeoutMs: number): void;
}
