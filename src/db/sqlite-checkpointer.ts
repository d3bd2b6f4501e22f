// Runs in a worker thread: copies the WAL back into the database file on its own connection,
// so the thread that answers requests never pays for a checkpoint (a large write and a sync).
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const database = new SQLite(file);
database.pragma('busy_timeout = 5000');

const timer = setInterval(() => {
  try {
    // PASSIVE: copies what it can without waiting for the writer or for readers.
    database.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or briefly unavailable: the next round tries again.
  }
}, intervalMs);

parentPort?.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  database.close();
  parentPort?.close();
});
