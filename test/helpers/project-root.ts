import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root: the nearest folder above this file with a package.json. Tests run from
 * their sources (through tsx) or compiled under node_modules/.cache (npm test), so the root is
 * found, not assumed a fixed number of folders up.
 */
export const PROJECT_ROOT = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dir === dirname(dir)) throw new Error('no package.json above the test helpers');
  }
})();
