import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config, type ConfigOverrides } from '../config.js';
import type { Store } from '../db/connect.js';
import { openStore } from '../db/open-store.js';
import { AppError } from '../errors.js';
import type { CliIo } from './io.js';
import { addAccountCommands } from './commands/accounts.js';
import { addConsoleCommands } from './commands/console.js';
import { addCustomerCommands } from './commands/customers.js';
import { addDuplicatesCommands } from './commands/duplicates.js';
import { addImportCommand } from './commands/import.js';
import { addServeCommands } from './commands/serve.js';
import { addTokenCommands } from './commands/tokens.js';
import { addWebhookCommands } from './commands/webhooks.js';

/** What every command gets: the io, the configuration, and a store it may open. */
export interface CommandContext {
  io: CliIo;
  /** Prints one line of the command's answer (console.log's newline). */
  say(line: string): void;
  /** The configuration from the environment and the global --database-url, plus `extra` overrides. */
  config(extra?: ConfigOverrides): Config;
  /** Runs work against the migrated store and always closes it. */
  withStore<T>(work: (store: Store) => Promise<T>): Promise<T>;
}

/** A fresh `patron` program writing to `io` (commander keeps state per program, so one per run). */
export function createProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name('patron')
    .description('Patron: customer identity and profiles for loyalty programs (Gameball v4.0 compatible).')
    .option('--database-url <url>', 'overrides DATABASE_URL (sqlite:<path> or postgres://…)')
    .showHelpAfterError()
    .exitOverride()
    // Set before the commands are added: .command() copies them to each subcommand.
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });
  const context: CommandContext = {
    io,
    say: (line) => io.out(`${line}\n`),
    config: (extra = {}) =>
      loadConfig(io.env, { DATABASE_URL: program.opts<{ databaseUrl?: string }>().databaseUrl, ...extra }),
    async withStore(work) {
      const store = await openStore(context.config());
      try {
        return await work(store);
      } finally {
        await store.close();
      }
    },
  };
  for (const add of [
    addServeCommands,
    addAccountCommands,
    addTokenCommands,
    addWebhookCommands,
    addCustomerCommands,
    addDuplicatesCommands,
    addImportCommand,
    addConsoleCommands,
  ]) {
    add(program, context);
  }
  return program;
}

/**
 * Runs `patron <argv>` and answers its exit code: 0, or what the command set (3: something was
 * found), 2 for a refused setting or input (the message names it), 1 for a usage error or a failure.
 */
export async function runPatron(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return io.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander has said why (help: 0)
    if (error instanceof ConfigError || error instanceof AppError) {
      io.err(`patron: ${error.message}\n`);
      return 2;
    }
    io.err(`patron: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
