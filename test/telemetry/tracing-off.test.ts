import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { tracingOn, tracingWanted } from '../../src/telemetry/index.js';
import { buildTestApp } from '../helpers/app.js';

// Tracing is off unless OTEL_* asks for it, and off costs nothing (docs/operations.md "Tracing").
// On: test/e2e/tracing.test.ts, a node process exporting to a collector.
describe('tracing off', () => {
  test('any OTEL_* variable turns tracing on, unless the SDK is disabled or traces go nowhere', () => {
    assert.equal(tracingWanted({}), false);
    assert.equal(tracingWanted({ DATABASE_URL: 'sqlite:x', PATRON_OTEL: 'yes', OTEL_SERVICE_NAME: '' }), false);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingWanted({ OTEL_SERVICE_NAME: 'patron-eu' }), true);
    assert.equal(tracingWanted({ OTEL_TRACES_SAMPLER: 'always_on' }), true);
    assert.equal(tracingWanted({ OTEL_SERVICE_NAME: 'p', OTEL_SDK_DISABLED: 'true' }), false);
    assert.equal(tracingWanted({ OTEL_SERVICE_NAME: 'p', OTEL_TRACES_EXPORTER: 'none' }), false);
  });

  test('without it, no SDK is registered and requests get no span and no hook', async () => {
    assert.equal(tracingOn(), false);
    const { app, newAccount } = await buildTestApp();
    const account = await newAccount();
    assert.equal(app.hasRequestDecorator('traceSpan'), false, 'the tracing hooks were not registered');
    const res = await app.inject({
      method: 'GET',
      url: '/api/v4.0/integrations/customers/nobody',
      headers: { apikey: account.apiKey, traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` },
    });
    assert.equal(res.statusCode, 404);
    // No SDK registered: the API's tracer makes spans that record nothing.
    assert.equal(trace.getTracer('probe').startSpan('probe').isRecording(), false);
  });
});
