import type { Command } from 'commander';
import { connect } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrator.js';
import type { CommandContext } from '../program.js';

export function addServeCommands(program: Command, { io, say, config }: CommandContext): void {
  program
    .command('serve')
    .description('migrate the store, then serve the HTTP API')
    .option('--port <port>', 'overrides PORT')
    .option('--host <host>', 'overrides HOST')
    .option('--log-level <level>', 'overrides LOG_LEVEL')
    .action(async (flags: { port?: string; host?: string; logLevel?: string }) => {
      const settings = config({ PORT: flags.port, HOST: flags.host, LOG_LEVEL: flags.logLevel });
      // Loaded here so that the other commands do not pay for the HTTP stack at every start.
      const { startServer } = await import('../../server.js');
      const server = await startServer(settings, say);
      // Before the listening line, which scripts (and the tests) wait for.
      if (server.metricsUrl) say(`Metrics at ${server.metricsUrl}`);
      say(`Patron listening on ${server.url} (store: ${server.store.location})`);
      io.keepServing(server, settings.shutdownTimeoutMs);
    });

  program
    .command('migrate')
    .description('bring the store schema up to date (serve does this too)')
    .action(async () => {
      const store = connect(config().databaseUrl, { poolSize: 1 });
      try {
        const applied = await migrateToLatest(store);
        say(applied.length ? `Applied: ${applied.join(', ')}` : 'The store is up to date.');
      } finally {
        await store.close();
      }
    });
}
