/**
 * A synthesized stack, run on this machine as `cdk deploy` would ship it: every function the template
 * holds (found through the constructs, `OtpFunction.handlerName`), its bundle built with the
 * construct's esbuild options, its environment taken from the template with the deploy-time values
 * replaced by local stand-ins, run in its own Node process against DynamoDB Local, the secrets
 * extension stub and the recording AWS endpoints. Tests invoke the functions with the events their
 * triggers send, then hold what they called to what their roles allow (test/support/iam-check.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type HandlerName, OtpFunction } from '../../infra/otp-function.ts';
import { apiGatewayEvent, matchRoute } from '../../local/api-event.ts';
import { createVerificationTable, localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { enableStream } from '../../local/dynamodb-streams.ts';
import { type AwsEndpoints, credentialsFor, endpointVariables, startAwsEndpoints } from './aws-endpoints.ts';
import { type ExtensionStub, startExtensionStub } from './extension-stub.ts';
import { buildBundles, FunctionProcess } from './function-process.ts';
import { ENV, type Resource, resources, type Statement, statements } from './synth.ts';
import { TemplateStandIns } from './template-stand-ins.ts';

export interface DeployedFunction {
  handler: HandlerName;
  logicalId: string;
  roleId: string;
  /** `Environment.Variables` as the template has them (references unresolved). */
  variables: Record<string, unknown>;
}

/** Every function of the stack that runs a deployed entry, read from the template by its logical id. */
export function deployedFunctions(stack: Stack, template: Template): DeployedFunction[] {
  const lambdas = resources(template, 'AWS::Lambda::Function');
  return stack.node
    .findAll()
    .filter((c): c is OtpFunction => c instanceof OtpFunction && c.handlerName !== undefined)
    .map((fn) => {
      const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnFunction);
      const resource = lambdas[logicalId] as Resource;
      const role = resource.Properties['Role'] as { 'Fn::GetAtt': [string, string] };
      const environment = resource.Properties['Environment'] as { Variables?: Record<string, unknown> };
      return {
        handler: fn.handlerName!,
        logicalId,
        roleId: role['Fn::GetAtt'][0],
        variables: environment?.Variables ?? {},
      };
    });
}

/** The statements of every identity policy attached to a role, by the role's logical id. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  return statements(template).filter((st) =>
    st.roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })),
  );
}

export interface ApiAnswer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
}

export class DeployedStack {
  readonly processes = new Map<HandlerName, FunctionProcess>();
  #bundles: Record<string, string> = {};

  private constructor(
    readonly label: string,
    readonly template: Template,
    readonly functions: DeployedFunction[],
    readonly standIns: TemplateStandIns,
    readonly endpoints: AwsEndpoints,
    readonly extension: ExtensionStub,
    readonly dynamodb: DynamoDBClient,
    readonly dir: string,
    readonly streamArn: string,
  ) {}

  /** Creates the local table and endpoints and builds the bundles; processes start on first use. */
  static async start(
    label: string,
    synthesized: { stack: Stack; template: Template },
    dynamodbEndpoint: string,
  ): Promise<DeployedStack> {
    const dir = mkdtempSync(join(tmpdir(), `onetime-deployed-${label}-`));
    const functions = deployedFunctions(synthesized.stack, synthesized.template);
    const endpoints = await startAwsEndpoints({
      dynamodbEndpoint,
      functionNames: functions.map((fn) => fn.handler),
    });
    const extension = await startExtensionStub();
    const dynamodb = localDynamoDbClient(dynamodbEndpoint);
    const tableName = `deployed-${label}-${Date.now()}`;
    await createVerificationTable(dynamodb, tableName);
    // The deployed table has a NEW_AND_OLD_IMAGES stream: the activity function reads its records.
    const streamArn = await enableStream(dynamodb, tableName);
    const standIns = new TemplateStandIns(synthesized.template, {
      region: ENV.region,
      account: ENV.account,
      tableName,
      endpointsUrl: endpoints.url,
    });
    const deployed = new DeployedStack(
      label,
      synthesized.template,
      functions,
      standIns,
      endpoints,
      extension,
      dynamodb,
      dir,
      streamArn,
    );
    deployed.#bundles = await buildBundles([...new Set(functions.map((fn) => fn.handler))], dir);
    return deployed;
  }

  /** The bundle a function runs (built with `esbuildOptions`, as the deployed asset is). */
  bundleOf(handler: HandlerName): string {
    return this.#bundles[handler]!;
  }

  get tableName(): string {
    return this.standIns.options.tableName;
  }

  has(handler: HandlerName): boolean {
    return this.functions.some((fn) => fn.handler === handler);
  }

  function(handler: HandlerName): DeployedFunction {
    const found = this.functions.filter((fn) => fn.handler === handler);
    if (found.length !== 1)
      throw new Error(`${this.label}: expected one ${handler} function, found ${found.length}`);
    return found[0]!;
  }

  /** The function's environment as deployed, references resolved to the local stand-ins. */
  environmentOf(handler: HandlerName): Record<string, string> {
    const { variables } = this.function(handler);
    return Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, this.standIns.resolve(value)]),
    );
  }

  async #process(handler: HandlerName): Promise<FunctionProcess> {
    let fn = this.processes.get(handler);
    if (!fn) {
      fn = await FunctionProcess.start(
        handler,
        this.#bundles[handler]!,
        {
          PATH: process.env['PATH'] ?? '',
          ...this.environmentOf(handler),
          AWS_REGION: ENV.region,
          AWS_DEFAULT_REGION: ENV.region,
          AWS_LAMBDA_FUNCTION_NAME: this.function(handler).logicalId,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
          // As Lambda sets it for an environment started by a request (not provisioned concurrency).
          AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
          ...credentialsFor(handler),
          ...endpointVariables(this.endpoints.url),
          PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(this.extension.port),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        this.dir,
      );
      this.processes.set(handler, fn);
    }
    return fn;
  }

  async invoke<T = unknown>(handler: HandlerName, event: unknown): Promise<T> {
    return (await this.#process(handler)).invoke<T>(event);
  }

  /** A request through the route's function, as API Gateway's proxy integration delivers it. */
  async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const route = matchRoute(method, path);
    if (!route) throw new Error(`no route for ${method} ${path}`);
    const handler = route.handler === 'get' ? 'status' : route.handler;
    const event = apiGatewayEvent({
      method,
      path,
      route,
      headers: { 'content-type': 'application/json', 'x-api-key': 'a-key', ...headers },
      body: body === undefined ? null : JSON.stringify(body),
      sourceIp: '198.51.100.7',
    });
    const answer = await this.invoke<APIGatewayProxyResult>(handler, event);
    return {
      statusCode: answer.statusCode,
      headers: answer.headers ?? {},
      body: JSON.parse(answer.body || '{}') as Record<string, unknown>,
    } satisfies ApiAnswer;
  }

  /** The calls a function made, by service and operation. */
  callsOf(handler: HandlerName, service?: string, operation?: string) {
    return this.endpoints.calls.filter(
      (call) =>
        call.function === handler &&
        (service === undefined || call.service === service) &&
        (operation === undefined || call.operation === operation),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((fn) => fn.stop()));
    await this.endpoints.close();
    await this.extension.close();
    this.dynamodb.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
