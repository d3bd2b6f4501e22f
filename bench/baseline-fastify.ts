// The bare-Fastify baseline: the same routes, the same body schema and Patron's own validator
// compiler, and one log line per request at info exactly as Patron writes it (same logger
// options, same hook), but no auth and no storage. Patron's HTTP figures are ratios to this,
// so what is left is the cost Patron itself adds on this machine.
import Fastify, { LogController } from 'fastify';
import { genRequestId, loggerOptions, registerRequestLogging } from '../src/http/observability.js';
import { validatorCompiler } from '../src/validation.js';
import { UpsertCustomerRequest } from '../src/modules/customers/customers.schemas.js';
import { CUSTOMERS_PATH, attributesFor, customFor } from './workloads.js';

// What Patron's no-PII read returns for a seeded profile, so both sides serialise the same bytes.
const { displayName: _d, firstName: _f, lastName: _l, dateOfBirth: _b, ...publicAttributes } = attributesFor(7);
const READ_BODY = {
  gameballId: 123456,
  referralCode: 'S0001E240',
  isReferred: false,
  guest: false,
  isActive: true,
  customerAttributes: { ...publicAttributes, custom: customFor(7), tags: [] },
};

const app = Fastify({
  logger: loggerOptions('info'),
  bodyLimit: 64 * 1024,
  genReqId: genRequestId,
  logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
});
app.setValidatorCompiler(validatorCompiler);
registerRequestLogging(app);
app.post(CUSTOMERS_PATH, { schema: { body: UpsertCustomerRequest } }, async () => ({ gameballId: 1 }));
app.get<{ Params: { customerId: string } }>(`${CUSTOMERS_PATH}/:customerId`, async (request) => ({
  ...READ_BODY,
  customerId: request.params.customerId,
}));

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`baseline listening on ${address}`);
const close = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', close);
process.on('SIGINT', close);
