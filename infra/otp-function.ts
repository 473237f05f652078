import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type CfnFunction,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsLogLevel,
  ParamsAndSecretsVersions,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  type ICommandHooks,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { cognitoOptionsFromEnv } from '../functions/cognito/challenge.ts';
import {
  cascadeQueueFromEnv,
  cascadeStateMachineFromEnv,
  channelsFromEnv,
  conversionWatchFromEnv,
  type Env,
  keyRotationFromEnv,
  maxAttemptsFromEnv,
  secretArnFromEnv,
  sendSettingsFromEnv,
  settingsFromEnv,
  tableNameFromEnv,
} from '../functions/config.ts';
import {
  CASCADE_QUEUE_URL,
  CASCADE_STATE_MACHINE_ARN,
  EMAIL_CONFIGURATION_SET,
  KEY_ROTATION_SECRET_ARN,
  NODE_OPTIONS,
  NOTIFY_CONFIGURATION_ID,
  SECRET_ARN,
  SMS_ORIGINATION_NUMBER,
  SMS_PROTECT_CONFIGURATION_ID,
  TABLE_NAME,
  VOICE_CONFIGURATION_SET,
  VOICE_ORIGINATION_IDENTITY,
  VOICE_PROTECT_CONFIGURATION_ID,
} from '../functions/env.ts';
import { PHONE_METADATA_IMPORT, phoneMetadataAlias } from './phone-metadata.ts';
import { functionTracing, tracingAt } from './tracing.ts';

/** The deployed functions: one entry file each in functions/handlers/, nothing else there. */
export const HANDLERS = [
  'start',
  'check',
  'status',
  'cancel',
  'cascade-start',
  'cascade-step',
  'cognito-define',
  'cognito-create',
  'cognito-verify',
  'activity',
  'delivery-receipts',
  'key-rotation',
  'conversion-watch',
] as const;
export type HandlerName = (typeof HANDLERS)[number];

/** The entry file of a deployed function, as NodejsFunction and the bundle checks take it. */
export const handlerEntry = (name: HandlerName): string =>
  fileURLToPath(new URL(`../functions/handlers/${name}.ts`, import.meta.url));

type Reader = (env: Env) => unknown;
/** What the functions that use the table and the key material read, beside the settings. */
const SEALING: readonly Reader[] = [settingsFromEnv, tableNameFromEnv, secretArnFromEnv];

/**
 * What each deployed function reads from its environment at cold start: the readers its entry calls
 * (functions/config.ts, functions/cognito/challenge.ts), each of which throws naming a variable that
 * is missing or malformed. `OtpFunction` runs the same readers on the environment it deploys, so such
 * a variable fails `cdk synth` rather than the function's cold start.
 */
const COLD_START_READERS: Readonly<Record<HandlerName, readonly Reader[]>> = {
  start: [...SEALING, sendSettingsFromEnv, channelsFromEnv, cascadeQueueFromEnv],
  check: SEALING,
  status: [settingsFromEnv, tableNameFromEnv],
  cancel: [settingsFromEnv, tableNameFromEnv],
  'cascade-start': [settingsFromEnv, tableNameFromEnv, cascadeStateMachineFromEnv],
  'cascade-step': [...SEALING, sendSettingsFromEnv, channelsFromEnv],
  'cognito-define': [maxAttemptsFromEnv],
  'cognito-create': [...SEALING, sendSettingsFromEnv, channelsFromEnv, cognitoOptionsFromEnv],
  'cognito-verify': [...SEALING, sendSettingsFromEnv],
  // Powertools' names and the event bus only, each with a default.
  activity: [],
  'delivery-receipts': [...SEALING, channelsFromEnv],
  'key-rotation': [keyRotationFromEnv],
  'conversion-watch': [conversionWatchFromEnv],
};

/**
 * Well-formed stand-ins for values known only at deploy time: a reference to the table, a secret, the
 * workflow, or a phone number or configuration set made in the same app. Of these, only presence is
 * checked at synth. A reference in any other variable reads as unset (a setting keeps its default).
 */
const REFERENCE_STAND_INS: Readonly<Record<string, string>> = {
  [TABLE_NAME]: 'onetime-table',
  [SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:onetime-AbCdEf',
  [KEY_ROTATION_SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:onetime-AbCdEf',
  [CASCADE_QUEUE_URL]: 'https://sqs.us-east-1.amazonaws.com/123456789012/onetime-cascade',
  [CASCADE_STATE_MACHINE_ARN]: 'arn:aws:states:us-east-1:123456789012:stateMachine:onetime',
  [VOICE_ORIGINATION_IDENTITY]: 'pool-0123456789abcdef',
  [SMS_ORIGINATION_NUMBER]: '+18885550100',
  [EMAIL_CONFIGURATION_SET]: 'onetime-email',
  [VOICE_CONFIGURATION_SET]: 'onetime-voice',
  [SMS_PROTECT_CONFIGURATION_ID]: 'protect-0123456789abcdef',
  [VOICE_PROTECT_CONFIGURATION_ID]: 'protect-0123456789abcdef',
  [NOTIFY_CONFIGURATION_ID]: 'nc-0123456789abcdef0',
};

/**
 * What `handler`'s cold start would refuse in the environment `fn` is deployed with (as the template
 * has it, with every variable added after construction): one message per reader that throws.
 */
function coldStartErrors(fn: OtpFunction, handler: HandlerName): string[] {
  const environment = Stack.of(fn).resolve((fn.node.defaultChild as CfnFunction).environment) as
    | { variables?: Record<string, unknown> }
    | undefined;
  const env: Env = {};
  for (const [name, value] of Object.entries(environment?.variables ?? {})) {
    if (typeof value === 'string') env[name] = value;
    else if (REFERENCE_STAND_INS[name] !== undefined) env[name] = REFERENCE_STAND_INS[name];
  }
  return COLD_START_READERS[handler].flatMap((read) => {
    try {
      read(env);
      return [];
    } catch (error) {
      return [`the ${handler} function would fail at cold start: ${(error as Error).message}`];
    }
  });
}

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

/**
 * The build of every function through the esbuild API: the construct runs it over NodejsFunction's own
 * output (`splitIntoChunks`), and the bench and the tests run it alike, plus the metafile the bench
 * reads. `outfile` is the entry file (`…/index.mjs`).
 *
 * Code splitting: what a function loads with `import()` only (each channel's client and sender) goes
 * to a file of its own under `chunks/`, beside `outfile`, which Node reads and parses on first use.
 * Inlined, V8 would still have to pre-parse it at every cold start (bench/peer.ts measured the start
 * and Cognito create functions 1.5× the peer's import CPU, mostly that). A function without dynamic
 * imports is one file as before.
 *
 * Phone-number metadata: libphonenumber-js's set without its formatting rules (infra/phone-metadata.ts),
 * answering every number as the full set does; local mode and the tests run the full set.
 */
export function esbuildOptions(entryPoint: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    outdir: dirname(outfile),
    entryNames: basename(outfile, '.mjs'),
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: BUNDLE.platform,
    format: BUNDLE.format,
    target: BUNDLE.target,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourceMap,
    sourcesContent: BUNDLE.sourcesContent,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    alias: phoneMetadataAlias(),
    metafile: true,
    logLevel: 'silent',
  };
}

/** Runs `esbuildOptions` (code splitting) in a process of its own: NodejsFunction's hooks are shell commands. */
const SPLIT_SCRIPT = fileURLToPath(new URL('./split-bundle.mjs', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * NodejsFunction bundles into one file (it passes esbuild `--outfile`, which code splitting cannot
 * use). After it, this hook rebuilds the same entry with `esbuildOptions` into the same asset
 * directory: `index.mjs` (and its map) replaced, chunks added beside it. So the deployed asset is
 * `esbuildOptions` applied to the entry, byte for byte, as the bench and the tests build it.
 */
export function splitIntoChunks(entry: string): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => {
      const { metafile: _, logLevel: __, ...options } = esbuildOptions(entry, join(outputDir, 'index.mjs'));
      const encoded = Buffer.from(JSON.stringify({ ...options, absWorkingDir: PROJECT_ROOT })).toString(
        'base64',
      );
      return [`"${process.execPath}" "${SPLIT_SCRIPT}" ${encoded}`];
    },
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
 * and `--enable-source-maps`), X-Ray tracing as its service's `tracing` says (infra/tracing.ts: PassThrough
 * by default, Active for `all`, none for `off`; Active outside an OtpService), its own log group with a retention, and its own
 * role that may write to that log group only (no AWSLambdaBasicExecutionRole, whose log grants are
 * account-wide).
 *
 * Memory: 1,024 MB. Lambda hands out CPU in proportion to memory, and a cold start here is CPU-bound
 * (evaluating the bundle, parsing the settings, building the SDK client); at 1,024 MB it is roughly
 * four times faster than at 256 MB while a warm call of a few tens of ms still costs well under a
 * dollar per million. Override per function through `OtpService`'s `functionProps`.
 *
 * Every prop can be overridden; `environment` and `bundling` are merged with the defaults (a function
 * given `bundling` options of its own is built as one file with them, without code splitting). A function
 * that needs the key material names it (`secret`), and gets it through the extension, nothing else.
 *
 * The environment of a deployed entry (`handlerEntry`) is checked at synth by the readers that entry
 * calls at cold start (`COLD_START_READERS`): a variable missing or malformed fails `cdk synth`.
 */
export class OtpFunction extends NodejsFunction {
  /** Which deployed entry (`HANDLERS`) this function runs, when it runs one of them. */
  readonly handlerName?: HandlerName;

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
      tracing: functionTracing(tracingAt(scope)),
      ...(secret ? { paramsAndSecrets: PARAMS_AND_SECRETS } : {}),
      ...functionProps,
      logGroup,
      role,
      bundling: {
        ...OTP_BUNDLING,
        // Split only a bundle built with the defaults: the hook rebuilds with `esbuildOptions`, which
        // knows none of a caller's own bundling options (they would be silently dropped), and runs on
        // the host, not in a Docker build. With options of its own, a function gets NodejsFunction's
        // single file, built with them.
        ...(functionProps.entry && functionProps.bundling === undefined
          ? { commandHooks: splitIntoChunks(resolve(functionProps.entry)) }
          : {}),
        ...functionProps.bundling,
        // The deployed phone metadata in a function built with options of its own too. Keyed by the
        // import (`--alias:pkg` with the path, which NodejsFunction passes as `--alias:pkg=path`), so a
        // team's own `--alias` is a key of its own and both apply; the same `--alias:pkg` would be theirs.
        esbuildArgs: {
          [`--alias:${PHONE_METADATA_IMPORT}`]: phoneMetadataAlias()[PHONE_METADATA_IMPORT]!,
          ...functionProps.bundling?.esbuildArgs,
        },
      },
      environment: {
        [NODE_OPTIONS]: '--enable-source-maps',
        ...(secret ? { [SECRET_ARN]: secret.secretArn } : {}),
        ...functionProps.environment,
      },
    });

    const handler = HANDLERS.find((name) => handlerEntry(name) === functionProps.entry);
    if (handler) this.handlerName = handler;
    if (handler) this.node.addValidation({ validate: () => coldStartErrors(this, handler) });

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
