import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsLogLevel,
  ParamsAndSecretsVersions,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

/** The deployed functions: one entry file each in functions/handlers/, nothing else there. */
export const HANDLERS = [
  'start',
  'check',
  'status',
  'cancel',
  'voice-fallback',
  'cognito-define',
  'cognito-create',
  'cognito-verify',
  'activity',
  'delivery-receipts',
  'key-rotation',
] as const;
export type HandlerName = (typeof HANDLERS)[number];

/** The entry file of a deployed function, as NodejsFunction and the bundle checks take it. */
export const handlerEntry = (name: HandlerName): string =>
  fileURLToPath(new URL(`../functions/handlers/${name}.ts`, import.meta.url));

/**
 * How every onetime function is bundled. The construct (through CDK's local esbuild) and
 * bench/bundles.ts (through the esbuild API) both derive their options from this one object, so the
 * bundle the bench measures is the bundle that ships.
 */
export const BUNDLE = {
  /** The handlers use top-level await (the secret is read at cold start): ESM only. */
  format: 'esm',
  target: 'node22',
  platform: 'node',
  minify: true,
  sourceMap: true,
  /** Stack traces need the mappings, not the sources: keeps each asset small. */
  sourcesContent: false,
  /** Prefer the packages' ESM builds, which esbuild tree-shakes best. */
  mainFields: ['module', 'main'],
  /** CommonJS dependencies inside an ESM bundle still call `require`. */
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
} as const;

/**
 * CDK bundling options for NodejsFunction. The AWS SDK is bundled rather than taken from the runtime:
 * the versions we test are the versions that run, and a minified bundle of only the clients a
 * function uses starts faster than loading the runtime's full SDK from disk.
 */
export const OTP_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: BUNDLE.target,
  minify: BUNDLE.minify,
  sourceMap: BUNDLE.sourceMap,
  sourcesContent: BUNDLE.sourcesContent,
  mainFields: [...BUNDLE.mainFields],
  banner: BUNDLE.banner,
  bundleAwsSDK: true,
  // Bundling runs the esbuild installed in node_modules; never a Docker image.
  forceDockerBundling: false,
};

/** The same build through the esbuild API (bench/bundles.ts), plus the metafile the bench reads. */
export function esbuildOptions(entryPoint: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: BUNDLE.platform,
    format: BUNDLE.format,
    target: BUNDLE.target,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourceMap,
    sourcesContent: BUNDLE.sourcesContent,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    metafile: true,
    logLevel: 'silent',
  };
}

export interface OtpFunctionProps extends NodejsFunctionProps {
  /**
   * How long the function's own log group keeps events.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logGroupRetention?: RetentionDays;
  /**
   * What happens to the log group when the function is removed from the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logGroupRemovalPolicy?: RemovalPolicy;
  /**
   * The key material, for a function that seals or opens codes: sets `SECRET_ARN` (the ARN only, never
   * the value), adds the AWS Parameters and Secrets Lambda Extension the handler reads it through (at
   * cold start, then before an invocation once its keys are 5 minutes old), and grants read on that secret. Functions that only read or cancel verifications
   * (status, cancel, Cognito define, the activity stream) get none of the three.
   * @default no secret
   */
  readonly secret?: ISecret;
}

/**
 * One secret per function, read at cold start and again before an invocation once 5 minutes old
 * (KEY_REFRESH_MS). The extension caches it for one minute, so a key staged for rotation is accepted
 * everywhere within six minutes (rotate-key waits ten before promoting).
 */
const PARAMS_AND_SECRETS = ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, {
  cacheSize: 10,
  logLevel: ParamsAndSecretsLogLevel.WARN,
  secretsManagerTtl: Duration.minutes(1),
});

/**
 * The one place for function defaults: Node.js 22 on arm64, ESM bundles (minified, with source maps
 * and `--enable-source-maps`), X-Ray active tracing, its own log group with a retention, and its own
 * role that may write to that log group only (no AWSLambdaBasicExecutionRole, whose log grants are
 * account-wide).
 *
 * Memory: 1,024 MB. Lambda hands out CPU in proportion to memory, and a cold start here is CPU-bound
 * (evaluating the bundle, parsing the settings, building the SDK client); at 1,024 MB it is roughly
 * four times faster than at 256 MB while a warm call of a few tens of ms still costs well under a
 * dollar per million. Override per function through `OtpService`'s `functionProps`.
 *
 * Every prop can be overridden; `environment` and `bundling` are merged with the defaults. A function
 * that needs the key material names it (`secret`), and gets it through the extension, nothing else.
 */
export class OtpFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: OtpFunctionProps) {
    const { logGroupRetention, logGroupRemovalPolicy, secret, ...functionProps } = props;
    // Created beside the function (not inside it: nothing may be added to `this` before super()).
    const logGroup =
      functionProps.logGroup ??
      new LogGroup(scope, `${id}LogGroup`, {
        retention: logGroupRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy: logGroupRemovalPolicy ?? RemovalPolicy.RETAIN,
      });
    const role =
      functionProps.role ??
      new Role(scope, `${id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of the ${id} function`,
      });

    super(scope, id, {
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      ...(secret ? { paramsAndSecrets: PARAMS_AND_SECRETS } : {}),
      ...functionProps,
      logGroup,
      role,
      bundling: { ...OTP_BUNDLING, ...functionProps.bundling },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...(secret ? { SECRET_ARN: secret.secretArn } : {}),
        ...functionProps.environment,
      },
    });

    // Lambda writes the function's logs with the function's role: that log group and nothing else.
    this.logGroup.grantWrite(role);
    secret?.grantRead(this);
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x like every onetime function: the bundles target node22 and are tested on ' +
        'it; move to a newer runtime deliberately, together with the esbuild target.',
    });
  }
}
