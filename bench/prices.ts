/**
 * Every price the cost table (bench/cost.ts) uses, in one place: AWS list prices for **us-east-1**,
 * in US dollars, as the AWS pricing pages give them on the date below (checked against stored copies
 * of aws.amazon.com/{api-gateway,lambda,dynamodb,step-functions,sqs,cloudwatch,xray,
 * secrets-manager,kms,eventbridge}/pricing and the AWS blog and documentation pages they link).
 * Free tiers are left out on purpose except where the bill depends on them at 1M a month (X-Ray's
 * 100,000 traces): the table is what a team pays once past its first year, in an account that runs
 * other things too. Carrier and message charges (SNS SMS, SES email, SMS-Voice calls, WhatsApp, push)
 * are excluded: they are the same whatever the infrastructure, and the issue asks for the rest.
 */
export const PRICES_AS_OF = '2026-12-03';
export const PRICES_REGION = 'us-east-1';

/** A price by volume tier: `[units up to, price per unit]`, the last tier open-ended. */
export type Tiers = ReadonlyArray<readonly [upTo: number, perUnit: number]>;

/** What `units` cost under tiered prices (each tier's units at its own price). */
export function tiered(units: number, tiers: Tiers): number {
  let cost = 0;
  let below = 0;
  for (const [upTo, perUnit] of tiers) {
    const inTier = Math.max(0, Math.min(units, upTo) - below);
    cost += inTier * perUnit;
    below = upTo;
    if (units <= upTo) break;
  }
  return cost;
}

const M = 1_000_000;
const GB = 1024 ** 3;

export const PRICES = {
  apiGateway: {
    /** REST API requests: $3.50 per million for the first 333 M a month, then $2.80, $2.38, $1.51. */
    restRequests: [
      [333 * M, 3.5 / M],
      [1000 * M, 2.8 / M],
      [20_000 * M, 2.38 / M],
      [Number.POSITIVE_INFINITY, 1.51 / M],
    ] as Tiers,
    /** HTTP API requests (no API keys, no usage plans): $1.00 per million for the first 300 M, then $0.90. */
    httpRequests: [
      [300 * M, 1.0 / M],
      [Number.POSITIVE_INFINITY, 0.9 / M],
    ] as Tiers,
  },
  lambda: {
    /** Requests, either architecture. */
    perRequest: 0.2 / M,
    /** arm64 duration: $0.0000133334 per GB-second for the first 7.5 billion a month, then tiered. */
    arm64GbSecond: [
      [7.5e9, 0.0000133334],
      [18.75e9, 0.0000120001],
      [Number.POSITIVE_INFINITY, 0.0000106667],
    ] as Tiers,
    /** Lambda allots one full vCPU at 1,769 MB and CPU in proportion to memory below it. */
    oneVcpuMb: 1769,
  },
  dynamodb: {
    /** On-demand, since the 1 November 2024 price cut (halved from $1.25 and $0.25). */
    perWriteUnit: 0.625 / M,
    perReadUnit: 0.125 / M,
    /** Standard table class storage, past the first 25 GB; PITR backup storage. */
    storageGbMonth: 0.25,
    pitrGbMonth: 0.2,
    /** Streams read by a Lambda trigger are free (GetRecords by Lambda is not billed). */
    streamReadsByLambda: 0,
  },
  stepFunctions: {
    /** Standard workflows: $0.025 per 1,000 state transitions (waiting is free). */
    perTransition: 0.025 / 1000,
    /**
     * Express workflows (only in the levers): $1.00 per million executions, and $0.00001667 per GB-second
     * for the first 1,000 GB-hours a month, memory billed in 64 MB steps and time in 100 ms steps.
     */
    expressPerExecution: 1.0 / M,
    expressPerGbSecond: 0.00001667,
  },
  sqs: {
    /** Standard queues: $0.40 per million requests (each 64 KB chunk one request). */
    perRequest: 0.4 / M,
  },
  cloudWatch: {
    /** Logs ingestion, Standard class; Lambda's own logs are tiered from the same $0.50 (May 2025). */
    logsIngestedPerGb: [
      [10 * 1024, 0.5],
      [30 * 1024, 0.25],
      [50 * 1024, 0.1],
      [Number.POSITIVE_INFINITY, 0.05],
    ] as Tiers,
    /** Archived logs, per GB-month of compressed data. */
    logsStoredGbMonth: 0.03,
    /** Custom metrics (EMF and metric filters alike): per metric-month, first 10,000, then $0.10. */
    metricMonth: [
      [10_000, 0.3],
      [250_000, 0.1],
      [1_000_000, 0.05],
      [Number.POSITIVE_INFINITY, 0.02],
    ] as Tiers,
    /** Standard-resolution alarm, per metric it evaluates (a metric-math alarm pays for each metric). */
    alarmMetricMonth: 0.1,
    /** Per dashboard-month (the first three of an account are free; not counted here). */
    dashboardMonth: 3,
    /**
     * GetMetricData: $0.01 per 1,000 metrics requested (each query of a call counts once, however many
     * datapoints it returns), as of 2026-12-03; the conversion watch's one call an hour.
     */
    getMetricDataPerMetric: 0.01 / 1000,
  },
  xray: {
    /** Traces recorded: $5.00 per million after the first 100,000 a month (free every month). */
    perTraceRecorded: 5 / M,
    freeTracesRecorded: 100_000,
    /** Traces retrieved or scanned: $0.50 per million after the first million. */
    perTraceRetrieved: 0.5 / M,
    /** The default sampling rule: the first request each second, then 5 % of the rest. */
    defaultReservoirPerSecond: 1,
    defaultFixedRate: 0.05,
  },
  secretsManager: {
    secretMonth: 0.4,
    per10kCalls: 0.05,
  },
  kms: {
    /** Only with a customer-managed key (`tableEncryptionKey`); the default AWS-managed key costs nothing a month. */
    keyMonth: 1,
    per10kRequests: 0.03,
  },
  eventBridge: {
    /** Custom events put on a bus: $1.00 per million (64 KB chunks). */
    perEvent: 1 / M,
  },
} as const;

export const BYTES_PER_GB = GB;

/** The prices as a markdown list, for the head of the cost section. */
export function pricesMarkdown(): string {
  const p = PRICES;
  // Dollars with at least two decimals and no float noise: 0.2 → 0.20, 0.625 stays 0.625.
  const d = (n: number) => {
    const exact = String(Number(n.toPrecision(6)));
    return (exact.split('.')[1]?.length ?? 0) >= 2 ? exact : n.toFixed(2);
  };
  return [
    `Prices: AWS list prices for ${PRICES_REGION} as of ${PRICES_AS_OF} (bench/prices.ts, one place; free tiers left out except X-Ray's 100,000 traces a month):`,
    `API Gateway REST $3.50 per million requests (first 333 M; $2.80 after), HTTP API $1.00 (first 300 M; only in the levers: it has no API keys) ·`,
    `Lambda arm64 $${d(p.lambda.perRequest * M)} per million requests and $0.0000133334 per GB-s ·`,
    `DynamoDB on-demand $${d(p.dynamodb.perWriteUnit * M)} per million write units and $${d(p.dynamodb.perReadUnit * M)} per million read units (since the November 2024 halving), storage $${d(p.dynamodb.storageGbMonth)} per GB-month ·`,
    `Step Functions Standard $${d(p.stepFunctions.perTransition * 1000)} per 1,000 transitions (Express, only in the levers: $${d(p.stepFunctions.expressPerExecution * M)} per million executions and $${p.stepFunctions.expressPerGbSecond} per GB-s) ·`,
    `SQS $${d(p.sqs.perRequest * M)} per million requests ·`,
    `CloudWatch Logs $0.50 per GB ingested, $${d(p.cloudWatch.logsStoredGbMonth)} per GB-month stored; custom metrics $0.30 per metric-month; alarms $${d(p.cloudWatch.alarmMetricMonth)} per alarm metric-month; dashboards $${p.cloudWatch.dashboardMonth} a month; GetMetricData $${d(p.cloudWatch.getMetricDataPerMetric * 1000)} per 1,000 metrics requested ·`,
    `X-Ray $5.00 per million traces recorded ·`,
    `Secrets Manager $${d(p.secretsManager.secretMonth)} per secret-month and $${d(p.secretsManager.per10kCalls)} per 10,000 calls ·`,
    `EventBridge $1.00 per million events ·`,
    `KMS $1 per key-month (no key is made by default). SMS, email, voice, WhatsApp and push charges are excluded.`,
  ].join(' ');
}
