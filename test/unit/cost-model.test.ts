import { describe, expect, it } from 'vitest';
import { transactionWriteUnits } from '../../bench/cost-capacity.ts';
import { emfMetricsIn } from '../../bench/cost-measure.ts';
import { PRICES, tiered } from '../../bench/prices.ts';

// The arithmetic under the cost table in bench/results.md (bench/cost.ts).

describe('tiered prices', () => {
  it('prices each tier’s units at its own rate', () => {
    const rest = PRICES.apiGateway.restRequests;
    expect(tiered(2_000_000, rest)).toBeCloseTo(7, 6);
    // 333 M at $3.50, then 67 M at $2.80.
    expect(tiered(400_000_000, rest)).toBeCloseTo(333 * 3.5 + 67 * 2.8, 6);
    expect(tiered(0, rest)).toBe(0);
  });
});

describe('a transaction’s write units', () => {
  const small = { pk: { S: 'v#abc' }, n: { N: '1' } };
  it('are two per item of up to 1 KB, as DynamoDB bills transactions', () => {
    expect(
      transactionWriteUnits({
        TransactItems: [
          { Put: { Item: small } },
          { Update: { Key: { pk: { S: 'c#1' } } } },
          { Update: { Key: { pk: { S: 'c#2' } } } },
          { Update: { Key: { pk: { S: 'c#3' } } } },
        ],
      }),
    ).toBe(8);
  });

  it('count a Put by its item’s size in started kilobytes', () => {
    const large = { pk: { S: 'v#abc' }, blob: { S: 'x'.repeat(1500) } };
    expect(transactionWriteUnits({ TransactItems: [{ Put: { Item: large } }] })).toBe(4);
  });
});

describe('the EMF metrics a function publishes', () => {
  it('are each metric with the values of each of its dimension sets, counted once', () => {
    const line = (channel: string, country?: string) =>
      JSON.stringify({
        _aws: {
          Timestamp: 0,
          CloudWatchMetrics: [
            {
              Namespace: 'onetime',
              Dimensions: [country ? ['service', 'channel', 'country'] : ['service', 'channel']],
              Metrics: [{ Name: 'Sent', Unit: 'Count' }],
            },
          ],
        },
        service: 'onetime',
        channel,
        ...(country ? { country } : {}),
        Sent: 1,
      });
    const lines = [line('sms'), line('sms', 'US'), line('sms'), line('sms', 'CA'), '{"level":"INFO"}'];
    expect(emfMetricsIn(lines)).toEqual([
      'Sent{service=onetime,channel=sms,country=CA}',
      'Sent{service=onetime,channel=sms,country=US}',
      'Sent{service=onetime,channel=sms}',
    ]);
  });
});

describe('the conversion watch in the cost table', () => {
  it('publishes one metric of its own, found in its EMF line (the hour judged a property beside it)', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: Date.parse('2026-12-03T09:00:00Z'),
        CloudWatchMetrics: [
          {
            Namespace: 'onetime',
            Dimensions: [['service']],
            Metrics: [{ Name: 'ConversionCollapsedCountries', Unit: 'Count' }],
          },
        ],
      },
      service: 'onetime',
      ConversionCollapsedCountries: 0,
    });
    expect(emfMetricsIn(['{"level":"INFO","message":"other"}', line])).toEqual([
      'ConversionCollapsedCountries{service=onetime}',
    ]);
  });

  it('reads two metrics per country an hour: $0.34 a month for the default 23 countries', () => {
    expect(730 * 2 * 23 * PRICES.cloudWatch.getMetricDataPerMetric).toBeCloseTo(0.3358, 6);
  });
});
