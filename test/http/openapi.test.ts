import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildTestApp } from '../helpers/app.js';
import { reference } from '../helpers/reference.js';

const t = await buildTestApp();
const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();

interface Operation {
  security?: Array<Record<string, unknown>>;
  responses: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }>;
}

describe("GET /openapi.json — Patron's own API description", () => {
  test('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
  });

  test('describes every reference operation (batches aside) with the same keys', () => {
    for (const [path, methods] of Object.entries(reference.paths)) {
      if (path.includes('batch')) continue;
      for (const [method, published] of Object.entries(methods)) {
        const ours = doc.paths[path]?.[method] as Operation | undefined;
        assert.ok(ours, `${method} ${path}`);
        assert.deepEqual(
          Object.keys(ours.security![0]!).sort(),
          Object.keys(published.security![0]!).sort(),
          `${method} ${path} keys`,
        );
      }
    }
  });

  test("includes Patron's extensions and the error object", () => {
    assert.ok(doc.paths['/api/v4.0/integrations/customers/{customerId}/hash/verify']?.post);
    assert.ok(doc.paths['/api/v4.0/integrations/customers/{customerId}/delete']?.post);
    const upsert = doc.paths['/api/v4.0/integrations/customers'].post as Operation;
    const error = upsert.responses['4XX'] ?? upsert.responses['4xx'];
    const properties = error?.content?.['application/json']?.schema?.properties ?? {};
    assert.deepEqual(Object.keys(properties).sort(), ['code', 'documentationUrl', 'message', 'requestId', 'type']);
    assert.ok(doc.components.securitySchemes.apiKey && doc.components.securitySchemes.secretKey);
  });

  test('hides the operational routes', () => {
    for (const path of ['/health', '/ready', '/openapi.json', '/errors'])
      assert.equal(doc.paths[path], undefined, path);
  });
});
