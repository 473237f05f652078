import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { GATEWAY_ERRORS, gatewayTemplate } from './gateway-responses.ts';
import type { OtpApiProps, OtpFunctionName } from './otp-service-props.ts';
import { addApiSamplingRule, DEFAULT_TRACING_SAMPLE_RATE, tracingAt } from './tracing.ts';

export interface OtpApiParts {
  readonly api: apigateway.RestApi;
  readonly apiKey: apigateway.IApiKey;
  readonly usagePlan: apigateway.UsagePlan;
  readonly accessLogs: logs.LogGroup;
}

/**
 * The REST API in front of the four route functions, created in `scope` (the `OtpService`): every
 * method behind an API key and a usage plan, POST bodies checked to be JSON objects, the contract's
 * error envelope for the errors API Gateway answers itself, JSON access logs, and X-Ray tracing as the
 * service's `tracing` says (infra/tracing.ts: a sampling rule of this stage for `sampled`).
 */
export function createApi(
  scope: Construct,
  options: {
    functions: Readonly<Record<OtpFunctionName, lambda.IFunction>>;
    props: OtpApiProps;
    logRetention: logs.RetentionDays;
    removalPolicy: RemovalPolicy;
    /** The share of requests traced when the service's tracing is `sampled`. */
    tracingSampleRate?: number;
  },
): OtpApiParts {
  const { functions, props } = options;
  const tracing = tracingAt(scope);
  const rateLimit = props.rateLimit ?? 50;
  const burstLimit = props.burstLimit ?? 100;
  const cloudWatchRole = props.cloudWatchRole ?? true;
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', {
    retention: options.logRetention,
    removalPolicy: options.removalPolicy,
  });
  const api = new apigateway.RestApi(scope, 'Api', {
    description: 'onetime: one-time-password verification',
    endpointTypes: [apigateway.EndpointType.REGIONAL],
    apiKeySourceType: apigateway.ApiKeySourceType.HEADER,
    defaultMethodOptions: { apiKeyRequired: true },
    cloudWatchRole,
    cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
    deployOptions: {
      stageName: props.stageName ?? 'prod',
      tracingEnabled: tracing !== 'off',
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      accessLogFormat: accessLogFormat(),
      // Execution logs for errors only, and never request or response bodies (they carry codes).
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      throttlingRateLimit: rateLimit,
      throttlingBurstLimit: burstLimit,
    },
  });
  const accountRole = cloudWatchRole ? api.node.tryFindChild('CloudWatchRole') : undefined;
  if (accountRole) {
    Validations.of(accountRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role: AWS maintains this policy for exactly that " +
        'purpose and API Gateway needs it to write the access and execution logs.',
    });
  }

  if (tracing === 'sampled')
    addApiSamplingRule(scope, api, options.tracingSampleRate ?? DEFAULT_TRACING_SAMPLE_RATE);
  addRoutes(api, functions);
  addGatewayResponses(api);

  const apiKey = api.addApiKey('ApiKey', { description: 'onetime: key for the calling backend' });
  const usagePlan = api.addUsagePlan('UsagePlan', {
    description: 'onetime: throttling for the API key',
    throttle: { rateLimit, burstLimit },
    ...(props.quota ? { quota: props.quota } : {}),
    apiStages: [{ api, stage: api.deploymentStage }],
  });
  usagePlan.addApiKey(apiKey);

  if (props.webAclArn) {
    new CfnWebACLAssociation(scope, 'WebAcl', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: props.webAclArn,
    });
  } else {
    Validations.of(api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF by default: every call needs an API key, the usage plan throttles it, and the service ' +
        'rate-limits per destination, device IP and spend. Pass api.webAclArn to attach a web ACL.',
    });
  }
  for (const method of api.methods) {
    Validations.of(method).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Callers are backends holding the API key (required on every method, tied to a usage plan); ' +
        'there are no end-user identities to authorise.',
    });
    Validations.of(method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'No Cognito users: the API is called server-to-server with an API key on every method.',
    });
  }

  return { api, apiKey, usagePlan, accessLogs };
}

/** The four contract routes, each a Lambda proxy integration of its own function. */
function addRoutes(api: apigateway.RestApi, functions: Readonly<Record<OtpFunctionName, lambda.IFunction>>) {
  const validator = api.addRequestValidator('Validator', {
    validateRequestBody: true,
    validateRequestParameters: true,
  });
  // Only the shape "a JSON object" is checked here; the fields are validated in the functions, which
  // answer with the contract's error envelope and field names.
  const jsonObject = api.addModel('JsonObject', {
    contentType: 'application/json',
    modelName: 'JsonObject',
    schema: { schema: apigateway.JsonSchemaVersion.DRAFT4, type: apigateway.JsonSchemaType.OBJECT },
  });
  const withBody: apigateway.MethodOptions = {
    requestValidator: validator,
    requestModels: { 'application/json': jsonObject },
  };
  const withId = (options: apigateway.MethodOptions = {}): apigateway.MethodOptions => ({
    requestValidator: validator,
    ...options,
    requestParameters: { 'method.request.path.id': true },
  });
  const integration = (fn: lambda.IFunction) =>
    new apigateway.LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });

  const verifications = api.root.addResource('v1').addResource('verifications');
  const verification = verifications.addResource('{id}');
  verifications.addMethod('POST', integration(functions.start), withBody);
  verification.addResource('check').addMethod('POST', integration(functions.check), withId(withBody));
  verification.addMethod('GET', integration(functions.status), withId());
  verification.addMethod('DELETE', integration(functions.cancel), withId());
}

/** The contract's error envelope for every error API Gateway answers without calling a function. */
function addGatewayResponses(api: apigateway.RestApi): void {
  const json = { 'Content-Type': "'application/json'", 'Cache-Control': "'no-store'" };
  for (const error of GATEWAY_ERRORS) {
    const type = apigateway.ResponseType.of(error.type);
    const headers = Object.fromEntries(
      Object.entries(error.headers ?? {}).map(([name, value]) => [name, `'${value}'`]),
    );
    api.addGatewayResponse(`Gateway${error.type}`, {
      type,
      ...(error.statusOverride ? { statusCode: error.statusOverride } : {}),
      responseHeaders: { ...json, ...headers },
      templates: { 'application/json': gatewayTemplate(error) },
    });
  }
}

function accessLogFormat(): apigateway.AccessLogFormat {
  const f = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      requestTime: f.contextRequestTime(),
      sourceIp: f.contextIdentitySourceIp(),
      apiKeyId: f.contextIdentityApiKeyId(),
      httpMethod: f.contextHttpMethod(),
      resourcePath: f.contextResourcePath(),
      status: f.contextStatus(),
      responseLength: f.contextResponseLength(),
      responseLatencyMs: f.contextResponseLatency(),
      integrationLatencyMs: f.contextIntegrationLatency(),
      errorType: f.contextErrorResponseType(),
      xrayTraceId: f.contextXrayTraceId(),
    }),
  );
}
