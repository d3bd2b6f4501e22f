import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { scanAccount } from '../../modules/duplicates/index.js';
import type { CommandContext } from '../program.js';

export function addDuplicatesCommands(program: Command, { io, say, withStore }: CommandContext): void {
  const duplicates = program.command('duplicates').description('possible duplicates (docs/duplicates.md)');
  duplicates
    .command('scan')
    .description(
      'score every existing profile of the account for possible duplicates (after switching them on, or a threshold change)',
    )
    .requiredOption('--account <id>', 'account id')
    .option('--json', 'print one JSON object {scored, total, seconds, perSecond}')
    .action(async (flags: { account: string; json?: boolean }) => {
      const bar = new SingleBar(
        {
          format: 'scoring [{bar}] {percentage}% | {value}/{total} profiles',
          stream: io.errStream,
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        Presets.shades_classic,
      );
      let started = false;
      const began = performance.now();
      const result = await withStore(async (store) => {
        try {
          return await scanAccount(store, flags.account, ({ scored, total }) => {
            if (!started) bar.start(total, 0);
            started = true;
            bar.update(scored);
          });
        } finally {
          if (started) bar.stop();
        }
      });
      const seconds = (performance.now() - began) / 1000;
      const perSecond = Math.round(result.scored / Math.max(seconds, 0.001));
      if (flags.json) return say(JSON.stringify({ ...result, seconds: Math.round(seconds * 10) / 10, perSecond }));
      say(`scored ${result.scored} of ${result.total} profiles in ${seconds.toFixed(1)} s (${perSecond}/s)`);
      say('open suggestions: GET /api/v4.0/integrations/duplicates, or the console\'s "Possible duplicates"');
    });
}
