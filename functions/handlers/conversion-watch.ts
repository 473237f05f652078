import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { createConversionWatch, scheduledTime } from '../activity/conversion-watch.ts';
import { CloudWatchHourlyCounts } from '../adapters/cloudwatch-hourly-counts.ts';
import { PowertoolsCollapseMetric } from '../adapters/powertools-collapse-metric.ts';
import { conversionWatchFromEnv } from '../config.ts';
import { POWERTOOLS_METRICS_NAMESPACE } from '../env.ts';
import { logger, powertoolsLog } from '../wiring/powertools-log.ts';
import { serviceName } from '../wiring/service-name.ts';

/**
 * Lambda entry for the hourly conversion watch (infra/conversion-watch.ts), run by a schedule a few
 * minutes past each hour: reads the watched countries' SMS `Sent` and `Approved` of the last full hour
 * and the hour before (GetMetricData), logs each country whose conversion collapsed while its volume
 * rose, and publishes how many did (EMF), which the one conversion alarm watches.
 */
const env = process.env;
const namespace = env[POWERTOOLS_METRICS_NAMESPACE] || 'onetime';
const { countries, ...thresholds } = conversionWatchFromEnv(env);

const watch = createConversionWatch({
  counts: new CloudWatchHourlyCounts(new CloudWatchClient({ maxAttempts: 5 }), { namespace, serviceName }),
  metric: new PowertoolsCollapseMetric(new Metrics({ namespace, serviceName })),
  log: powertoolsLog,
  countries,
  thresholds,
});

export const handler = async (event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  // The hour before the schedule's time, even when Lambda retries the run late.
  const { hour, collapsed } = await watch(scheduledTime(event, Date.now()));
  return { hour, collapsed: collapsed.map((c) => c.country) };
};
