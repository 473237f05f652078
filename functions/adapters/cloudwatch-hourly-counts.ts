/**
 * The conversion watch's counts through CloudWatch `GetMetricData`: per watched country, the activity
 * stream's `Sent` and `Approved` (channel `sms`, dimension `country`, summed per clock hour) over the
 * two hours the watch judges, in one call for up to 250 countries (two queries each, 500 a call). Billed
 * per metric requested ($0.01 per 1,000): two per country per run.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { HourlySmsCounts } from '../activity/conversion-watch.ts';
import type { CountryHours, JudgedHours } from '../core/conversion-collapse.ts';

/** GetMetricData takes at most 500 queries a call. */
export const MAX_QUERIES_PER_CALL = 500;
const HOUR_SECONDS = 3600;

export interface MetricNames {
  /** The activity stream's namespace (`OtpActivityStream.metricNamespace`). */
  namespace: string;
  /** Its `service` dimension (`OtpActivityStream.serviceName`). */
  serviceName: string;
}

export class CloudWatchHourlyCounts implements HourlySmsCounts {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly names: MetricNames,
  ) {}

  async read(countries: readonly string[], hours: JudgedHours): Promise<CountryHours[]> {
    const queries = countries.flatMap((country) => [
      this.#query('Sent', country),
      this.#query('Approved', country),
    ]);
    // Query id → datapoint start (epoch ms) → sum.
    const sums = new Map<string, Map<number, number>>();
    for (let first = 0; first < queries.length; first += MAX_QUERIES_PER_CALL) {
      const batch = queries.slice(first, first + MAX_QUERIES_PER_CALL);
      let nextToken: string | undefined;
      do {
        const answer: GetMetricDataCommandOutput = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch,
            StartTime: new Date(hours.earlier.start),
            EndTime: new Date(hours.hour.end),
            ScanBy: 'TimestampAscending',
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
        );
        for (const result of answer.MetricDataResults ?? []) {
          if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError')
            throw new Error(`GetMetricData answered ${result.StatusCode} for ${result.Id}`);
          const byHour = sums.get(result.Id ?? '') ?? new Map<number, number>();
          (result.Timestamps ?? []).forEach((at, i) => {
            byHour.set(at.getTime(), (byHour.get(at.getTime()) ?? 0) + (result.Values?.[i] ?? 0));
          });
          sums.set(result.Id ?? '', byHour);
        }
        nextToken = answer.NextToken;
      } while (nextToken);
    }
    const sum = (id: string, start: number) => sums.get(id)?.get(start) ?? 0;
    return countries.map((country) => ({
      country,
      sends: sum(queryId('Sent', country), hours.hour.start),
      approvals: sum(queryId('Approved', country), hours.hour.start),
      earlierSends: sum(queryId('Sent', country), hours.earlier.start),
    }));
  }

  /** One country's SMS metric, as the activity stream publishes it, summed per clock hour. */
  #query(metricName: 'Sent' | 'Approved', country: string): MetricDataQuery {
    return {
      Id: queryId(metricName, country),
      MetricStat: {
        Metric: {
          Namespace: this.names.namespace,
          MetricName: metricName,
          Dimensions: [
            { Name: 'service', Value: this.names.serviceName },
            { Name: 'channel', Value: 'sms' },
            { Name: 'country', Value: country },
          ],
        },
        Period: HOUR_SECONDS,
        Stat: 'Sum',
      },
      ReturnData: true,
    };
  }
}

/** A query id: a lower-case letter first, then letters, digits and `_` (GetMetricData's rule). */
const queryId = (metricName: string, country: string) =>
  `${metricName.toLowerCase()}_${country.toLowerCase()}`;
