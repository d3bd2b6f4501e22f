import closeWithGrace from 'close-with-grace';
import type { RunningServer } from '../server.js';
import { stopTracing } from '../telemetry/index.js';

/**
 * `patron serve` keeps the process until a signal (SIGTERM, SIGINT, …) or a crash, then closes
 * the server gracefully within PATRON_SHUTDOWN_TIMEOUT_MS (docs/operations.md "Shutdown"):
 * close-with-grace runs the close once, exits 0 when it finished, 1 past the bound, on a second
 * signal or after a crash. Past the bound what had not committed is rolled back by the store.
 */
export function keepServing(server: RunningServer, shutdownTimeoutMs: number): void {
  const log = server.app.log;
  closeWithGrace(
    {
      delay: shutdownTimeoutMs,
      logger: { error: (err: unknown) => log.error({ err }, 'shutdown failed') },
      onTimeout: () =>
        log.error(
          { timeoutMs: shutdownTimeoutMs },
          'shutdown took longer than PATRON_SHUTDOWN_TIMEOUT_MS; exiting now',
        ),
      onSecondSignal: (signal: string) => log.error({ signal }, 'second signal during shutdown; exiting now'),
    },
    async ({ signal, err }) => {
      if (err) log.error({ err }, 'unexpected error; shutting down');
      else log.info({ signal, timeoutMs: shutdownTimeoutMs }, 'shutting down: finishing what is under way');
      await server.close();
      await stopTracing(); // the spans still buffered go out before the process ends
      log.info('shut down cleanly');
    },
  );
}
