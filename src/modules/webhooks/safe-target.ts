import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as lookupAsync } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

/**
 * Webhook URLs are chosen by whoever holds an account's CLI access, and Patron sends from inside
 * the network it runs in: by default a receiver must be a public unicast address — not loopback,
 * private, link-local (cloud metadata at 169.254.169.254 included), carrier-grade NAT, unique
 * local, multicast or reserved. PATRON_WEBHOOK_ALLOW_PRIVATE=true lifts this for local development.
 */
export function forbiddenRange(address: string): string | undefined {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

export class ForbiddenTargetError extends Error {
  constructor(host: string, address: string, range: string) {
    super(
      `${host} resolves to ${address} (${range}): webhooks go to public addresses only (PATRON_WEBHOOK_ALLOW_PRIVATE=true allows others)`,
    );
    this.name = 'ForbiddenTargetError';
  }
}

const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The refusal for the first forbidden address a host has, if any. */
function refusal(host: string, addresses: readonly string[]): ForbiddenTargetError | undefined {
  for (const address of addresses) {
    const range = forbiddenRange(address);
    if (range) return new ForbiddenTargetError(host, address, range);
  }
  return undefined;
}

/**
 * Checks a subscription's URL when it is added: an address literal, or every address its host
 * resolves to now. A host that does not resolve here is accepted (it may later); every delivery
 * is checked again as it connects.
 */
export async function checkTargetUrl(url: URL): Promise<void> {
  const host = bareHost(url);
  const addresses = isIP(host)
    ? [host]
    : await lookupAsync(host, { all: true }).then(
        (found) => found.map((a) => a.address),
        () => [],
      );
  const refused = refusal(host, addresses);
  if (refused) throw refused;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * dns.lookup that refuses a host any of whose addresses is forbidden. The connection is made to
 * the address checked here, so a host that answers differently the next time (DNS rebinding)
 * gains nothing.
 */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = refusal(
      hostname,
      addresses.map((a) => a.address),
    );
    if (refused) return callback(Object.assign(refused, { code: 'EFORBIDDEN' }), []);
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    return first
      ? callback(null, first.address, first.family)
      : callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
  });
}

/** The dispatcher deliveries go through: every connection's address is checked (address literals before the request). */
export function guardedAgent(): Agent {
  return new Agent({ connect: { lookup: guardedLookup as never } });
}

/** An address literal in the URL does not go through lookup: refused here, before connecting. */
export function checkLiteralTarget(url: URL): void {
  const host = bareHost(url);
  const refused = isIP(host) ? refusal(host, [host]) : undefined;
  if (refused) throw refused;
}
