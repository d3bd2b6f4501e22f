import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { clientTypesOf } from '../../scripts/generate-client-types.js';
import { PROJECT_ROOT } from '../helpers/project-root.js';
import { http, startTestServer } from '../helpers/server.js';

// The client's types are checked in (packages/client/src/schema.ts); they must be what the
// document Patron serves yields, or the client lies about the API.

const FILE = join(PROJECT_ROOT, 'packages', 'client', 'src', 'schema.ts');
const server = await startTestServer();
const served = (await http(server.baseUrl, 'GET', '/openapi.json', {})).body;
const generated = clientTypesOf(served, FILE);

/** Where two texts first part, as a line of each; undefined when they are the same. */
function firstDifference(checkedIn: string, generated: string): string | undefined {
  if (checkedIn === generated) return undefined;
  const [a, b] = [checkedIn.split('\n'), generated.split('\n')];
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: checked in ${JSON.stringify(a[at])}, the served document gives ${JSON.stringify(b[at])}`;
}

describe("the client's types and the served OpenAPI document", () => {
  test('packages/client/src/schema.ts is what GET /openapi.json yields', async () => {
    const drift = firstDifference(readFileSync(FILE, 'utf8'), await generated);
    assert.equal(drift, undefined, `the client's types are stale (${drift}): run npm run client:generate`);
  });

  test('a change to the document is caught (negative control)', async () => {
    const changed = structuredClone(served) as {
      paths: Record<string, { get: { parameters: unknown[] } }>;
    };
    changed.paths['/api/v4.0/integrations/duplicates']!.get.parameters.push({
      name: 'since',
      in: 'query',
      schema: { type: 'string' },
    });
    const drift = firstDifference(await generated, await clientTypesOf(changed, FILE));
    assert.match(String(drift), /since\?: string/);
  });
});
