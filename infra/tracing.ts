import { Names, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { CfnSamplingRule } from 'aws-cdk-lib/aws-xray';
import type { Construct, IConstruct } from 'constructs';

/**
 * How much of the service X-Ray records (docs/operations.md, "Tracing and what it costs"):
 * - `sampled` (default): the API stage traces the share of requests `tracingSampleRate` names, by a
 *   sampling rule scoped to this API's stage; the functions pass the decision through (they record a
 *   segment only for a sampled request) and the cascade workflow follows the account's rules. A
 *   traced request still shows gateway → function → DynamoDB/SNS, at a few cents a month.
 * - `all`: every function on Active tracing and the default sampling rule (the first request each
 *   second, then 5 %): at 1M verifications a month nearly every request is a trace, $25–30 per million.
 * - `off`: no tracing anywhere, and no X-Ray permission on any role.
 */
export type OtpTracing = 'sampled' | 'all' | 'off';
export const TRACING_MODES: readonly OtpTracing[] = ['sampled', 'all', 'off'];

/** The default share of API requests a `sampled` service traces (1 %: 20,000 traces at 1M a month). */
export const DEFAULT_TRACING_SAMPLE_RATE = 0.01;

/** The construct context key OtpService sets for every function below it (read by OtpFunction). */
const CONTEXT_KEY = 'onetime:tracing';

/** Sets the mode for every construct created below `scope` (call before adding children). */
export function setTracing(scope: Construct, mode: OtpTracing): void {
  scope.node.setContext(CONTEXT_KEY, mode);
}

/** The mode in effect at `scope`: its OtpService's, or `all` outside one (an OtpFunction on its own). */
export function tracingAt(scope: IConstruct): OtpTracing {
  const mode: unknown = scope.node.tryGetContext(CONTEXT_KEY);
  return mode === 'sampled' || mode === 'off' ? mode : 'all';
}

/** A function's tracing mode for the service's: Active, PassThrough (the caller decides), or none. */
export function functionTracing(mode: OtpTracing): Tracing {
  return mode === 'all' ? Tracing.ACTIVE : mode === 'sampled' ? Tracing.PASS_THROUGH : Tracing.DISABLED;
}

/**
 * The sampling rule of a `sampled` service: `rate` of this API stage's requests, no reservoir (a
 * reservoir of even one a second would trace nearly every request of a service at 1M a month). Its
 * priority (100) puts it before the account's default rule (10000) for this stage only.
 */
export function addApiSamplingRule(scope: Construct, api: apigateway.RestApi, rate: number): CfnSamplingRule {
  const stage = api.deploymentStage;
  return new CfnSamplingRule(scope, 'ApiSamplingRule', {
    samplingRule: {
      // Unique in the account and region, at most 32 characters.
      ruleName: Names.uniqueResourceName(scope, { maxLength: 32, separator: '-' }),
      priority: 100,
      fixedRate: rate,
      reservoirSize: 0,
      serviceName: '*',
      serviceType: 'AWS::ApiGateway::Stage',
      host: '*',
      httpMethod: '*',
      urlPath: '*',
      resourceArn: Stack.of(scope).formatArn({
        service: 'apigateway',
        account: '',
        resource: '/restapis',
        resourceName: `${api.restApiId}/stages/${stage.stageName}`,
      }),
      version: 1,
    },
  });
}
