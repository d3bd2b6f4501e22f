import { AppError, invalid } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import { emailKey, mergeKinds, mobileKey } from '../identity/index.js';
import type { CustomerAttributesInput, UpsertCustomerRequest } from './customers.schemas.js';
import type { IdentityClaim, MergeIdentifier } from '../identity/index.js';

/** A field of the request: absent (leave as is), null (clear) or a value. */
export type Change<T> = { kind: 'absent' } | { kind: 'clear' } | { kind: 'set'; value: T };

const absent = { kind: 'absent' } as const;

function change<T>(value: T | null | undefined): Change<T> {
  if (value === undefined) return absent;
  if (value === null) return { kind: 'clear' };
  return { kind: 'set', value };
}

/** The request read once: validated beyond the schema and normalised, before any I/O. */
export interface UpsertInput extends IdentityClaim {
  email: Change<string>;
  mobile: Change<string>;
  /** undefined: customerAttributes absent; null: cleared; else the attribute changes. */
  attributes: Record<string, unknown> | null | undefined;
  custom: Change<Record<string, unknown>>;
  device: Change<{ deviceToken: string; osType?: string; pushProvider?: string }>;
  guest: Change<boolean>;
  referrerCode: string | undefined;
}

const IDENTITY_ATTRIBUTES = new Set(['email', 'mobile', 'custom']);

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const filled = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * A field the official SDKs send under another name: the alias counts when the field is absent;
 * both sent with different values is refused, naming the alias (nothing would say which to keep).
 */
function aliased(
  value: string | undefined,
  alias: string | undefined,
  aliasName: string,
  name: string,
  same: (a: string, b: string) => boolean,
): string | undefined {
  if (!filled(alias)) return value;
  if (filled(value) && !same(value, alias))
    throw invalid(
      aliasName,
      `is another name for ${name}, and this request sends both with different values; send one of them`,
    );
  return filled(value) ? value : alias;
}

/** Top-level wins; customerAttributes.<name> is the fallback docs/api.md allows. */
function identityField(
  body: UpsertCustomerRequest,
  name: 'email' | 'mobile',
): { field: string; value: string | null | undefined } {
  if (body[name] !== undefined) return { field: name, value: body[name] };
  const fromAttributes = body.customerAttributes?.[name];
  return { field: `customerAttributes.${name}`, value: fromAttributes };
}

export function readUpsertInput(account: AccountRecord, body: UpsertCustomerRequest): UpsertInput {
  const customerId = body.customerId.trim();
  if (customerId.length < 1 || customerId.length > 100) {
    throw invalid('customerId', 'must be 1 to 100 characters after trimming spaces');
  }

  const email = identityField(body, 'email');
  const mobile = identityField(body, 'mobile');

  const identifiers: MergeIdentifier[] = [];
  const kinds = mergeKinds(account.mergeBy);
  for (const kind of kinds) {
    const { field, value } = kind === 'email' ? email : mobile;
    if (typeof value !== 'string') continue;
    if (kind === 'email') {
      const key = emailKey(value);
      if (!key) throw invalid(field, 'is not a readable email address (expected name@domain.tld)');
      identifiers.push({ kind, key, field });
    } else {
      const key = mobileKey(value, account.defaultCountry);
      if (!key) {
        const hint = account.defaultCountry
          ? `in international form or local to ${account.defaultCountry}`
          : 'in international form (+<country code><number>)';
        throw invalid(field, `is not a readable mobile number; send it ${hint}`);
      }
      identifiers.push({ kind, key, field });
    }
  }

  const rawAttributes = body.customerAttributes;
  let attributes: Record<string, unknown> | null | undefined = rawAttributes === null ? null : undefined;
  let custom: Change<Record<string, unknown>> = rawAttributes === null ? { kind: 'clear' } : absent;
  if (rawAttributes) {
    if (Object.hasOwn(rawAttributes, 'tags')) {
      // Answers show the tag list at customerAttributes.tags (as the reference publishes), so an
      // attribute of that name could never be returned as sent: refuse it rather than lose it.
      throw invalid(
        'customerAttributes.tags',
        "is where answers show the customer's tag list; change tags with POST or DELETE /customers/{customerId}/tags, and keep an attribute of your own under another name or in custom",
      );
    }
    attributes = {};
    for (const [key, value] of Object.entries(rawAttributes as CustomerAttributesInput & Record<string, unknown>)) {
      if (!IDENTITY_ATTRIBUTES.has(key)) attributes[key] = value;
    }
    custom = change(rawAttributes.custom);
  }

  const pushProvider = aliased(
    str(body.pushProvider),
    str(body.pushServiceProvider),
    'pushServiceProvider',
    'pushProvider',
    (a, b) => a === b,
  );
  const deviceToken = body.deviceToken;
  const device: UpsertInput['device'] =
    typeof deviceToken === 'string' && deviceToken.trim() !== ''
      ? {
          kind: 'set',
          value: {
            deviceToken: deviceToken.trim(),
            ...(typeof body.osType === 'string' && { osType: body.osType }),
            ...(pushProvider !== undefined && { pushProvider }),
          },
        }
      : deviceToken === null
        ? { kind: 'clear' }
        : absent;

  const code = (c: string) => c.trim().toUpperCase();
  const referrerCode = aliased(
    str(body.referrerCode),
    str(body.referralCode),
    'referralCode',
    'referrerCode',
    (a, b) => code(a) === code(b),
  );

  return {
    customerId,
    email: change(email.value),
    mobile: change(mobile.value),
    attributes,
    custom,
    device,
    guest: change(body.guest !== undefined && body.guest !== null ? body.guest : (body.isGuest ?? body.guest)),
    referrerCode: filled(referrerCode) ? code(referrerCode) : undefined,
    identifiers,
    requiredIdentifier: kinds[0],
  };
}

/** Reads every body before any I/O; a body that cannot be read is that item's error. */
export function readInputs(
  account: AccountRecord,
  bodies: readonly UpsertCustomerRequest[],
): Array<UpsertInput | AppError> {
  return bodies.map((body) => {
    try {
      return readUpsertInput(account, body);
    } catch (error) {
      if (error instanceof AppError) return error;
      throw error;
    }
  });
}
