/**
 * The hourly conversion watch (docs/operations.md#conversion-collapse): the decision
 * (functions/core/conversion-collapse.ts), the watch that logs and publishes it
 * (functions/activity/conversion-watch.ts), its CloudWatch GetMetricData adapter (against
 * aws-sdk-client-mock, the exact request checked) and its EMF metric.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  COLLAPSE_LOG_MESSAGE,
  COLLAPSE_METRIC,
  createConversionWatch,
  type HourlySmsCounts,
  scheduledTime,
} from '../../functions/activity/conversion-watch.ts';
import { CloudWatchHourlyCounts } from '../../functions/adapters/cloudwatch-hourly-counts.ts';
import { PowertoolsCollapseMetric } from '../../functions/adapters/powertools-collapse-metric.ts';
import {
  type CountryHours,
  collapsedCountries,
  DEFAULT_COLLAPSE_THRESHOLDS,
  hasCollapsed,
  judgedHours,
  watchedCountries,
} from '../../functions/core/conversion-collapse.ts';

const HOUR = 3_600_000;
const thresholds = DEFAULT_COLLAPSE_THRESHOLDS; // 20 sends, 30 %
const country = (c: Partial<CountryHours>): CountryHours => ({
  country: 'US',
  sends: 0,
  approvals: 0,
  earlierSends: 0,
  ...c,
});
const counts = fc.nat({ max: 100_000 });
const anyThresholds = fc.record({
  minSendsPerHour: fc.integer({ min: 1, max: 10_000 }),
  minConversion: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('conversion collapse: the decision', () => {
  it('judges the last full clock hour before now, and the hour before it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 * HOUR, max: 4_000_000_000_000 }), (now) => {
        const { hour, earlier } = judgedHours(now);
        expect(hour.end % HOUR).toBe(0);
        expect(hour.end).toBeLessThanOrEqual(now);
        expect(now - hour.end).toBeLessThan(HOUR);
        expect(hour.end - hour.start).toBe(HOUR);
        expect(earlier).toEqual({ start: hour.start - HOUR, end: hour.start });
      }),
    );
    // 10:05 judges 09:00–10:00 against 08:00–09:00.
    const { hour, earlier } = judgedHours(Date.parse('2026-12-03T10:05:00Z'));
    expect(new Date(hour.start).toISOString()).toBe('2026-12-03T09:00:00.000Z');
    expect(new Date(earlier.start).toISOString()).toBe('2026-12-03T08:00:00.000Z');
  });

  it('never alarms below the volume floor, whatever the conversion and the earlier hour', () => {
    fc.assert(
      fc.property(anyThresholds, counts, counts, (t, approvals, earlierSends) => {
        fc.pre(t.minSendsPerHour > 0);
        for (const sends of [0, t.minSendsPerHour - 1]) {
          expect(hasCollapsed(country({ sends, approvals, earlierSends }), t)).toBe(false);
        }
      }),
    );
  });

  it('alarms when the conversion collapses while the volume rises above the floor', () => {
    fc.assert(
      fc.property(
        anyThresholds.filter((t) => t.minConversion > 0),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 1, max: 100_000 }),
        (t, extra, share, rise) => {
          const sends = t.minSendsPerHour + extra;
          // Fewer approvals than minConversion × sends; fewer sends the hour before.
          const approvals = Math.min(
            Math.floor(share * t.minConversion * sends),
            Math.ceil(t.minConversion * sends) - 1,
          );
          fc.pre(approvals >= 0 && approvals < t.minConversion * sends);
          const earlierSends = Math.max(0, sends - rise);
          expect(hasCollapsed(country({ sends, approvals, earlierSends }), t)).toBe(true);
        },
      ),
    );
  });

  it('does not alarm for a steady or falling volume, nor for a healthy conversion', () => {
    fc.assert(
      fc.property(counts, counts, (sends, more) => {
        // Steady or falling: a country whose users convert badly every hour is no pumping.
        expect(hasCollapsed(country({ sends, approvals: 0, earlierSends: sends + more }), thresholds)).toBe(
          false,
        );
        // At or above the conversion floor.
        expect(
          hasCollapsed(country({ sends, approvals: Math.ceil(0.3 * sends), earlierSends: 0 }), thresholds),
        ).toBe(false);
      }),
    );
    // The edges: 20 sends and 5 approvals (25 %) after 19 sends collapses; 6 approvals (30 %) does not.
    expect(hasCollapsed(country({ sends: 20, approvals: 5, earlierSends: 19 }), thresholds)).toBe(true);
    expect(hasCollapsed(country({ sends: 20, approvals: 6, earlierSends: 19 }), thresholds)).toBe(false);
    expect(hasCollapsed(country({ sends: 20, approvals: 5, earlierSends: 20 }), thresholds)).toBe(false);
  });

  it('counts a missing or unreadable datapoint as 0', () => {
    const missing = Number.NaN;
    // No earlier datapoint: the volume rose from nothing.
    expect(hasCollapsed(country({ sends: 50, approvals: 0, earlierSends: missing }), thresholds)).toBe(true);
    // No approvals datapoint: none approved.
    expect(hasCollapsed(country({ sends: 50, approvals: missing, earlierSends: 10 }), thresholds)).toBe(true);
    // No sends datapoint: nothing sent, nothing to alarm on.
    expect(hasCollapsed(country({ sends: missing, approvals: 0, earlierSends: 0 }), thresholds)).toBe(false);
    expect(
      collapsedCountries([country({ sends: 50, approvals: missing, earlierSends: missing })], thresholds),
    ).toEqual([{ country: 'US', sends: 50, approvals: 0, earlierSends: 0, rate: 0 }]);
  });

  it('lists the collapsed countries with their rate, in the order given', () => {
    const list = collapsedCountries(
      [
        country({ country: 'US', sends: 1000, approvals: 800, earlierSends: 900 }),
        country({ country: 'ID', sends: 400, approvals: 20, earlierSends: 30 }),
        country({ country: 'GB', sends: 10, approvals: 0, earlierSends: 0 }),
        country({ country: 'NG', sends: 100, approvals: 25, earlierSends: 99 }),
      ],
      thresholds,
    );
    expect(list).toEqual([
      { country: 'ID', sends: 400, approvals: 20, earlierSends: 30, rate: 0.05 },
      { country: 'NG', sends: 100, approvals: 25, earlierSends: 99, rate: 0.25 },
    ]);
  });

  it('watches ISO alpha-2 codes only, upper-cased, once each', () => {
    expect(watchedCountries(['us', 'CA', ' gb ', 'US', 'USA', '1', 'eu1'])).toEqual(['US', 'CA', 'GB']);
  });
});

describe('the conversion watch', () => {
  const now = Date.parse('2026-12-03T10:05:17Z');
  const hourStart = Date.parse('2026-12-03T09:00:00Z');

  function run(found: CountryHours[], countries = found.map((c) => c.country)) {
    const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
    const log = {
      info: (message: string, ...f: Record<string, unknown>[]) =>
        lines.push({ level: 'info', message, fields: Object.assign({}, ...f) }),
      warn: (message: string, ...f: Record<string, unknown>[]) =>
        lines.push({ level: 'warn', message, fields: Object.assign({}, ...f) }),
      error: (message: string, ...f: Record<string, unknown>[]) =>
        lines.push({ level: 'error', message, fields: Object.assign({}, ...f) }),
    };
    const published: Array<[number, number]> = [];
    const asked: Array<{ countries: readonly string[]; hours: unknown }> = [];
    const reader: HourlySmsCounts = {
      async read(c, hours) {
        asked.push({ countries: c, hours });
        return found;
      },
    };
    const watch = createConversionWatch({
      counts: reader,
      metric: { publish: (n, at) => published.push([n, at]) },
      log,
      clock: () => now,
      countries,
      thresholds,
    });
    return { watch, lines, published, asked };
  }

  it('logs one line per collapsed country (counts only) and publishes how many, for the hour judged', async () => {
    const { watch, lines, published, asked } = run([
      country({ country: 'US', sends: 1000, approvals: 800, earlierSends: 900 }),
      country({ country: 'ID', sends: 400, approvals: 20, earlierSends: 30 }),
      country({ country: 'NG', sends: 60, approvals: 1, earlierSends: 0 }),
    ]);
    const outcome = await watch();
    expect(asked).toEqual([
      {
        countries: ['US', 'ID', 'NG'],
        hours: {
          hour: { start: hourStart, end: hourStart + HOUR },
          earlier: { start: hourStart - HOUR, end: hourStart },
        },
      },
    ]);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: COLLAPSE_LOG_MESSAGE,
        fields: {
          country: 'ID',
          sends: 400,
          approvals: 20,
          rate: 0.05,
          earlierSends: 30,
          hour: '2026-12-03T09:00:00.000Z',
        },
      },
      {
        level: 'warn',
        message: COLLAPSE_LOG_MESSAGE,
        fields: {
          country: 'NG',
          sends: 60,
          approvals: 1,
          rate: 0.017,
          earlierSends: 0,
          hour: '2026-12-03T09:00:00.000Z',
        },
      },
    ]);
    expect(published).toEqual([[2, hourStart]]);
    expect(outcome.collapsed.map((c) => c.country)).toEqual(['ID', 'NG']);
  });

  it('judges the hour before its schedule when it runs late (a retry or a throttled invocation), not the hour before now', async () => {
    const { watch, asked, published } = run([country({ country: 'US', sends: 1000, approvals: 800 })]);
    // Scheduled at 10:05 and run at 10:05:17 or, delayed past the next hour, at 11:02: both judge 09:00.
    const late = createConversionWatch({
      counts: { read: async () => [] },
      metric: { publish: (n, at) => published.push([n, at]) },
      log: { info() {}, warn() {}, error() {} },
      clock: () => Date.parse('2026-12-03T11:02:00Z'),
      countries: ['US'],
      thresholds,
    });
    const scheduled = { source: 'aws.events', time: '2026-12-03T10:05:00Z' };
    expect((await watch(scheduledTime(scheduled, now))).hour).toBe('2026-12-03T09:00:00.000Z');
    expect((await late(scheduledTime(scheduled, Date.parse('2026-12-03T11:02:00Z')))).hour).toBe(
      '2026-12-03T09:00:00.000Z',
    );
    expect(published).toEqual([
      [0, hourStart],
      [0, hourStart],
    ]);
    expect(asked).toHaveLength(1);
  });

  it("takes the schedule's time only from a scheduled event of the last six hours (Lambda's longest retry)", () => {
    const at = Date.parse('2026-12-03T10:05:00Z');
    expect(scheduledTime({ time: '2026-12-03T10:05:00Z' }, at + 6 * HOUR)).toBe(at);
    for (const event of [undefined, null, {}, { time: 42 }, { time: 'yesterday' }, 'x'])
      expect(scheduledTime(event, at), JSON.stringify(event)).toBeUndefined();
    // Older than any retry, or ahead of the clock: someone else's event, not the schedule's.
    expect(scheduledTime({ time: '2026-12-03T10:05:00Z' }, at + 6 * HOUR + 1)).toBeUndefined();
    expect(scheduledTime({ time: '2026-12-03T10:05:00Z' }, at - 60_001)).toBeUndefined();
  });

  it('publishes 0 when nothing collapsed, so the alarm returns to OK', async () => {
    const { watch, lines, published } = run([country({ country: 'US', sends: 1000, approvals: 800 })]);
    await watch();
    expect(lines).toEqual([]);
    expect(published).toEqual([[0, hourStart]]);
  });

  it('fails, publishing nothing, when the counts cannot be read', async () => {
    const published: unknown[] = [];
    const watch = createConversionWatch({
      counts: { read: () => Promise.reject(new Error('throttled')) },
      metric: { publish: (...args) => published.push(args) },
      log: { info() {}, warn() {}, error() {} },
      clock: () => now,
      countries: ['US'],
      thresholds,
    });
    await expect(watch()).rejects.toThrow('throttled');
    expect(published).toEqual([]);
  });
});

describe('CloudWatchHourlyCounts (GetMetricData)', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  beforeEach(() => cloudwatch.reset());
  const hours = judgedHours(Date.parse('2026-12-03T10:05:17Z'));
  const hour = new Date('2026-12-03T09:00:00Z');
  const earlier = new Date('2026-12-03T08:00:00Z');
  const adapter = () =>
    new CloudWatchHourlyCounts(new CloudWatchClient({ region: 'eu-west-1' }), {
      namespace: 'onetime/prod',
      serviceName: 'shop',
    });
  const result = (Id: string, points: Array<[Date, number]>): MetricDataResult => ({
    Id,
    StatusCode: 'Complete',
    Timestamps: points.map(([at]) => at),
    Values: points.map(([, v]) => v),
  });

  it("asks once for every country's SMS Sent and Approved, summed per clock hour over both hours", async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        result('sent_us', [
          [earlier, 30],
          [hour, 400],
        ]),
        result('approved_us', [[hour, 20]]),
        // CA: no datapoint at all.
      ],
    });
    expect(await adapter().read(['US', 'CA'], hours)).toEqual([
      { country: 'US', sends: 400, approvals: 20, earlierSends: 30 },
      { country: 'CA', sends: 0, approvals: 0, earlierSends: 0 },
    ]);
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const metric = (MetricName: string, country: string) => ({
      Id: `${MetricName.toLowerCase()}_${country.toLowerCase()}`,
      MetricStat: {
        Metric: {
          Namespace: 'onetime/prod',
          MetricName,
          Dimensions: [
            { Name: 'service', Value: 'shop' },
            { Name: 'channel', Value: 'sms' },
            { Name: 'country', Value: country },
          ],
        },
        Period: 3600,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
    expect(calls[0]!.args[0].input).toEqual({
      MetricDataQueries: [
        metric('Sent', 'US'),
        metric('Approved', 'US'),
        metric('Sent', 'CA'),
        metric('Approved', 'CA'),
      ],
      // From the earlier hour's start to the judged hour's end, both on the hour.
      StartTime: earlier,
      EndTime: new Date('2026-12-03T10:00:00Z'),
      ScanBy: 'TimestampAscending',
    });
  });

  it('follows NextToken, and splits past 500 queries (250 countries) a call', async () => {
    const many = Array.from(
      { length: 260 },
      (_, i) => `${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`,
    );
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [result('sent_aa', [[hour, 5]])], NextToken: 'more' })
      .resolvesOnce({ MetricDataResults: [result('sent_aa', [[earlier, 2]])] })
      .resolves({ MetricDataResults: [result('approved_jz', [[hour, 1]])] });
    const found = await adapter().read(many, hours);
    const calls = cloudwatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.MetricDataQueries?.length)).toEqual([500, 500, 20]);
    expect(calls[1]!.NextToken).toBe('more');
    expect(calls[2]!.NextToken).toBeUndefined();
    expect(found[0]).toEqual({ country: 'AA', sends: 5, approvals: 0, earlierSends: 2 });
    expect(found.find((c) => c.country === 'JZ')).toEqual({
      country: 'JZ',
      sends: 0,
      approvals: 1,
      earlierSends: 0,
    });
  });

  it('fails when CloudWatch refuses a query, rather than reading it as no traffic', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'sent_us', StatusCode: 'Forbidden', Timestamps: [], Values: [] }],
    });
    await expect(adapter().read(['US'], hours)).rejects.toThrow(/Forbidden for sent_us/);
  });
});

describe('PowertoolsCollapseMetric (EMF)', () => {
  afterEach(() => vi.restoreAllMocks());

  // The alarm (infra/conversion-watch.ts: one period of an hour) is evaluated every minute over the hour
  // before, and of the datapoints there only the newest counts. A run Lambda retried late judges an hour
  // long gone, under datapoints of hours judged since: stamped with that hour, its count would never be
  // evaluated. Stamped when written, every count is the newest for the hour after it.
  it("writes one EMF line: the count, under the service's namespace and dimension, stamped when written, the hour judged beside it", () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    // A run scheduled three hours ago, retried until now: it judges the hour before its schedule.
    const { hour } = judgedHours(Date.now() - 3 * HOUR);
    const before = Date.now();
    new PowertoolsCollapseMetric(new Metrics({ namespace: 'onetime/prod', serviceName: 'shop' })).publish(
      2,
      hour.start,
    );
    const after = Date.now();
    const emf = written
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line['_aws']) as { _aws: { Timestamp: number } };
    expect(emf).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'onetime/prod',
            Dimensions: [['service']],
            Metrics: [{ Name: COLLAPSE_METRIC, Unit: 'Count' }],
          },
        ],
      },
      service: 'shop',
      [COLLAPSE_METRIC]: 2,
      // A property of the line, not a dimension: the alarm's one metric stays one.
      hour: new Date(hour.start).toISOString(),
    });
    expect(emf._aws.Timestamp).toBeGreaterThanOrEqual(before);
    expect(emf._aws.Timestamp).toBeLessThanOrEqual(after);
  });
});
