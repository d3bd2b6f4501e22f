import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { findAccountRecord } from '../../modules/accounts/index.js';
import type { CommandContext } from '../program.js';

export function addImportCommand(program: Command, { io, say, withStore }: CommandContext): void {
  program
    .command('import <file>')
    .description('bulk-load customers from a .csv or .jsonl file through the same rules as the API')
    .requiredOption('--account <id>', 'account id')
    .option('--rejected <path>', 'where rejected rows go (default: <file>.rejected.jsonl)')
    .action(async (file: string, flags: { account: string; rejected?: string }) => {
      const rejectedFile = flags.rejected ?? `${file}.rejected.jsonl`;
      // Loaded here: the upsert rules are the heaviest modules, and only this command needs them.
      const [{ countRows }, { importFile }, { NodeRegistry }, { BulkBudget }] = await Promise.all([
        import('../../modules/batches/import-rows.js'),
        import('../../modules/batches/import.service.js'),
        import('../../modules/limits/node-registry.js'),
        import('../../modules/limits/bulk-budget.js'),
      ]);
      const summary = await withStore(async (store) => {
        const account = await findAccountRecord(store, flags.account);
        if (!account) throw new AppError('notFound', `No account with id "${flags.account}".`);
        const bar = new SingleBar(
          {
            format: 'importing [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left',
            stream: io.errStream,
            noTTYOutput: true,
            notTTYSchedule: 5000,
            etaBuffer: 2000,
          },
          Presets.shades_classic,
        );
        bar.start(await countRows(file), 0);
        let rows = 0;
        // A running import is a node of its own: it shares the account's bulk budget with the serve nodes' batches.
        const registry = new NodeRegistry(store, 'import');
        await registry.start({ warn: (_context, message) => io.err(`warning: ${message}\n`) });
        try {
          return await importFile(
            store,
            account,
            file,
            rejectedFile,
            (done) => {
              rows = done;
              if (done % 100 === 0) bar.update(done);
            },
            new BulkBudget(registry),
          );
        } finally {
          await registry.stop();
          bar.update(rows);
          bar.stop();
        }
      });
      const rate = summary.seconds > 0 ? Math.round(summary.rows / summary.seconds) : summary.rows;
      say(`Imported ${summary.imported} of ${summary.rows} rows in ${summary.seconds.toFixed(1)} s (${rate} rows/s).`);
      if (summary.rejected > 0) {
        say(`Rejected ${summary.rejected} rows; each is in ${summary.rejectedFile} with its row number and reason.`);
        io.exitCode = 3;
      }
    });
}
