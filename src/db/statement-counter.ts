/**
 * Statements sent, and flights: a flight is a group of statements sent together, the first of
 * them sent while none of its transaction was waiting for an answer — on PostgreSQL each flight
 * is one round trip, however many statements it pipelines. Kysely's statements are counted
 * through its query log (each awaited alone: a flight each), which costs nothing when off.
 */
export function counter(enabled: boolean) {
  let count = 0;
  let flights = 0;
  return {
    count: () => void count++,
    total: () => count,
    /** A new flight begins (the caller saw nothing of its transaction in flight). */
    flight: () => void flights++,
    flights: () => flights,
    log: enabled
      ? (event: { level: string }) => {
          if (event.level !== 'query') return;
          count++;
          flights++;
        }
      : undefined,
  };
}
