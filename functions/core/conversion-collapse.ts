/**
 * SMS conversion collapse: SMS pumping's signature in one country (docs/operations.md#conversion-collapse).
 * Someone requests codes to numbers that earn them money per message and nobody types those codes, so
 * the country's SMS volume climbs while its conversion (approved / sent) falls. Decided once an hour by
 * the conversion watch (functions/activity/conversion-watch.ts) from the activity stream's `Sent` and
 * `Approved` metrics by country; plain rules, no clock and no AWS here.
 */

/** When a country's hour counts as collapsed (`alarms.conversionCollapse`). */
export interface CollapseThresholds {
  /** SMS verifications started in the hour, in one country, below which nothing alarms. */
  readonly minSendsPerHour: number;
  /** Approved / started in the hour, below which a country with that volume alarms. */
  readonly minConversion: number;
}

export const DEFAULT_COLLAPSE_THRESHOLDS: CollapseThresholds = { minSendsPerHour: 20, minConversion: 0.3 };

/** One country's SMS counts: the hour judged, and the hour before it. A missing datapoint is 0. */
export interface CountryHours {
  /** ISO 3166 alpha-2 code, upper case. */
  readonly country: string;
  readonly sends: number;
  readonly approvals: number;
  readonly earlierSends: number;
}

/** A country whose hour collapsed, with what the log line reports. */
export interface Collapse extends CountryHours {
  /** approvals / sends, 0–1 (sends is at least `minSendsPerHour`, so never a division by zero). */
  readonly rate: number;
}

/** Two consecutive clock hours, as epoch milliseconds: `[start, end)` each. */
export interface JudgedHours {
  /** The last full hour before `now`. */
  readonly hour: { readonly start: number; readonly end: number };
  /** The hour before it, whose volume the hour's is compared with. */
  readonly earlier: { readonly start: number; readonly end: number };
}

const HOUR_MS = 3_600_000;

/** The last full clock hour before `now` (epoch ms) and the one before it, both aligned to the hour. */
export function judgedHours(now: number): JudgedHours {
  const end = Math.floor(now / HOUR_MS) * HOUR_MS;
  return {
    hour: { start: end - HOUR_MS, end },
    earlier: { start: end - 2 * HOUR_MS, end: end - HOUR_MS },
  };
}

/**
 * Whether one country's hour collapsed: at least `minSendsPerHour` SMS verifications started, fewer
 * than `minConversion` of them approved, and more started than in the hour before (volume rising: a
 * steady country whose users convert badly is a product problem, not pumping).
 */
export function hasCollapsed(counts: CountryHours, thresholds: CollapseThresholds): boolean {
  const sends = orZero(counts.sends);
  return (
    sends >= thresholds.minSendsPerHour &&
    orZero(counts.approvals) < thresholds.minConversion * sends &&
    sends > orZero(counts.earlierSends)
  );
}

/** The collapsed countries among `counts`, in the order given. */
export function collapsedCountries(
  counts: readonly CountryHours[],
  thresholds: CollapseThresholds,
): Collapse[] {
  return counts
    .filter((country) => hasCollapsed(country, thresholds))
    .map((country) => ({
      country: country.country,
      sends: orZero(country.sends),
      approvals: orZero(country.approvals),
      earlierSends: orZero(country.earlierSends),
      rate: orZero(country.approvals) / orZero(country.sends),
    }));
}

/** A count CloudWatch had no datapoint for (or an unreadable one) is no activity. */
const orZero = (value: number) => (Number.isFinite(value) && value > 0 ? value : 0);

/**
 * The watched countries as the construct and the watch take them: upper-cased, once each, ISO alpha-2
 * only (anything else could never match the `country` dimension the activity stream writes).
 */
export function watchedCountries(countries: readonly string[]): string[] {
  return [...new Set(countries.map((c) => c.trim().toUpperCase()))].filter((c) => /^[A-Z]{2}$/.test(c));
}
