/**
 * Where a test's clock starts: the first 10:00:00.000 UTC at or after the real time.
 *
 * DynamoDB Local's TTL deletes an item once its `ttl` is past by the *real* clock, and the service
 * derives every `ttl` from its injected clock (a verification's expiry + a day, a counter's window +
 * an hour, an idempotency record's 10 minutes). A test clock fixed at a past date writes items that
 * vanish mid-test once the calendar has moved on; a clock that starts at or after the real time and
 * only moves forward keeps every item alive for the whole run.
 *
 * The start is always 10:00 UTC (at most a day ahead of the real time), so clock-hour, minute and UTC-day
 * windows line up the same way on every run, whatever the time of day the suite runs at.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START_OF_DAY = 10 * HOUR;

export function testClockStart(realNow: number = Date.now()): number {
  const latest = Math.floor((realNow - START_OF_DAY) / DAY) * DAY + START_OF_DAY;
  return latest >= realNow ? latest : latest + DAY;
}
