import { Type, type Static } from 'typebox';
import { Patchable } from '../../schemas.js';

const text = (description: string, maxLength = 200) => Patchable(Type.String({ maxLength, description }));
const date = (description: string) =>
  Patchable(Type.String({ format: 'iso-date', description: `${description} ISO 8601 date or date-time.` }));

export const CUSTOMERS_PATH = '/api/v4.0/integrations/customers';

export const CHANNELS = ['mobile', 'pos', 'web', 'callcenter'] as const;

export const MAX_CUSTOM_KEYS = 100;
export const MAX_CUSTOM_KEY_LENGTH = 100;

export const CustomerAttributes = Type.Object(
  {
    displayName: text('Display name for the customer.'),
    firstName: text("Customer's first name."),
    lastName: text("Customer's last name."),
    email: text("Customer's email address; used for merging when the top-level email is absent.", 254),
    gender: text("Customer's gender."),
    mobile: text("Customer's mobile number; used for merging when the top-level mobile is absent.", 50),
    dateOfBirth: date("Customer's date of birth."),
    joinDate: date('Date the customer joined.'),
    country: text("Customer's country."),
    city: text("Customer's city."),
    zip: text("Customer's postal code."),
    preferredLanguage: text("The customer's preferred language."),
    source: text('Source of the customer registration.'),
    utms: Patchable(Type.Array(Type.Unknown(), { description: 'UTM attributes; replaces the stored list.' })),
    devices: Patchable(Type.Array(Type.Unknown(), { description: 'Devices; replaces the stored list.' })),
    paymentMethods: Patchable(Type.Array(Type.String(), { description: 'Payment methods; replaces the stored list.' })),
    totalSpent: Patchable(Type.Number({ description: 'Total amount spent by the customer.' })),
    lastOrderDate: date('Date of the last order.'),
    totalOrders: Patchable(
      Type.Integer({
        minimum: 0,
        description:
          'Total number of orders (non-negative integer). Reaching 1 completes a pending referral when referralCompletion is firstOrder.',
      }),
    ),
    avgOrderAmount: Patchable(Type.Number({ description: 'Average amount per order.' })),
    channel: Patchable(
      Type.Unsafe<(typeof CHANNELS)[number]>({
        type: 'string',
        enum: [...CHANNELS],
        description: 'Acquisition channel.',
      }),
    ),
    custom: Patchable(
      Type.Record(Type.String(), Type.Unknown(), {
        maxProperties: MAX_CUSTOM_KEYS,
        propertyNames: { maxLength: MAX_CUSTOM_KEY_LENGTH },
        description: `Merged key by key; a key set to null is removed. At most ${MAX_CUSTOM_KEYS} keys of at most ${MAX_CUSTOM_KEY_LENGTH} characters.`,
      }),
    ),
  },
  {
    additionalProperties: true,
    description:
      'Customer attributes. Unknown keys (the mobile SDK flattens extra attributes here) are kept and returned as sent.',
  },
);

export const UpsertCustomerRequest = Type.Object(
  {
    customerId: Type.String({
      description: "The merchant's id for the customer in one channel; trimmed, 1–100 characters.",
    }),
    email: text('Email; the merge identifier when the account merges by email.', 254),
    mobile: text(
      'Mobile number; the merge identifier when the account merges by mobile. Local numbers are read in the account defaultCountry.',
      50,
    ),
    deviceToken: text('Push token of the device; kept per profile with osType and pushProvider.', 4096),
    osType: text('Operating system of the device.', 50),
    pushProvider: text('Push provider of the device (sent by the mobile SDK).', 50),
    pushServiceProvider: text(
      'Another name for pushProvider, sent by the Android and iOS SDKs ("Firebase", "Huawei"); both sent must agree.',
      50,
    ),
    customerAttributes: Patchable(CustomerAttributes),
    referrerCode: text(
      'Referral code of the referring customer; honoured when this request creates the profile or registers a guest.',
      50,
    ),
    referralCode: text(
      "Another name for referrerCode (the referrer's code), sent by the React Native SDK; both sent must agree.",
      50,
    ),
    guest: Patchable(
      Type.Boolean({
        description: 'True for a guest (not signed up). Default false on creation; absent leaves it unchanged.',
      }),
    ),
    isGuest: Patchable(Type.Boolean({ description: 'Alias of guest, sent by the mobile SDK.' })),
  },
  { additionalProperties: true, description: 'Unknown top-level keys are ignored.' },
);
export type UpsertCustomerRequest = Static<typeof UpsertCustomerRequest>;
export type CustomerAttributesInput = Static<typeof CustomerAttributes>;

export const UpsertCustomerResponse = Type.Object({
  gameballId: Type.Integer({ description: "The profile's id: assigned once, never changed, never reused." }),
});

export const CustomerIdParams = Type.Object({
  customerId: Type.String({ description: 'Any customerId of the profile (merged ones included).' }),
});

const attributesOut = Type.Object({}, { additionalProperties: true });

const CustomerCommon = {
  gameballId: Type.Integer(),
  customerId: Type.String({ description: 'The customerId the request used.' }),
  referralCode: Type.Optional(Type.String({ description: 'Present once the profile is registered (not a guest).' })),
  referralLink: Type.Optional(
    Type.String({
      description: 'referralLinkBase with ?referralCode=<code>, when the account has a referralLinkBase.',
    }),
  ),
  isReferred: Type.Boolean(),
  guest: Type.Boolean(),
  isActive: Type.Boolean(),
};

export const CustomerResponse = Type.Object(
  {
    ...CustomerCommon,
    customerAttributes: attributesOut,
  },
  { description: 'The profile without personal data: no name, email, mobile, date of birth or unknown attributes.' },
);

export const CustomerDetailsResponse = Type.Object(
  {
    ...CustomerCommon,
    customerAttributes: attributesOut,
    isGuest: Type.Boolean({ description: 'Same as guest.' }),
    email: Type.Optional(Type.String()),
    mobile: Type.Optional(Type.String()),
    mergedCustomerIds: Type.Array(Type.String(), {
      description: 'Every customerId that reaches this profile, oldest first.',
    }),
    deviceToken: Type.Optional(Type.String({ description: 'The most recently registered device.' })),
    osType: Type.Optional(Type.String()),
    pushProvider: Type.Optional(Type.String()),
    pushDevices: Type.Array(Type.Object({}, { additionalProperties: true }), {
      description: 'Every registered device token, newest first.',
    }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { description: 'Everything stored for the profile, personal data included.' },
);
