let last = 0;

/**
 * Now as an ISO timestamp, strictly later than the one this process gave before. A customerId's
 * attach time orders a profile's customerIds (the first names the profile, docs/api.md); two
 * attached within one millisecond would otherwise fall back to alphabetical order.
 */
export function monotonicNow(): string {
  last = Math.max(Date.now(), last + 1);
  return new Date(last).toISOString();
}
