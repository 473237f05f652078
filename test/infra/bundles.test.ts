import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Duration } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions, handlerEntry } from '../../infra/otp-function.ts';
import { deployedFunctions } from '../support/deployed-stack.ts';
import { type ExtensionStub, startExtensionStub } from '../support/extension-stub.ts';
import { buildBundles } from '../support/function-process.ts';
import {
  FULL_PROPS,
  FUNCTION_NAMES,
  type FunctionName,
  functionOf,
  resources,
  type Synthesized,
  synthesize,
} from '../support/synth.ts';

const run = promisify(execFile);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onetime-key-AbCdEf';
const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:VoiceFallback1A2B3C';
const SESSION_TOKEN = 'session-token-for-the-extension';

let outdir: string;
let synthesized: Synthesized;
let extension: ExtensionStub;

// Real bundling: CDK runs the local esbuild once per function.
beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'onetime-synth-'));
  synthesized = synthesize(
    { ...FULL_PROPS, keyRotation: { every: Duration.days(90) } },
    { bundle: true, outdir },
  );
  synthesized.app.synth();
  extension = await startExtensionStub();
}, 180_000);

afterAll(async () => {
  await extension?.close();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** A route's function, or the activity stream's. */
function functionResource(name: FunctionName | 'activity') {
  if (name !== 'activity') return functionOf(synthesized.template, name);
  const found = Object.entries(resources(synthesized.template, 'AWS::Lambda::Function')).find(([id]) =>
    id.startsWith('OtpServiceActivityFunction'),
  );
  if (!found) throw new Error('no activity function');
  return found;
}

function bundleDir(name: FunctionName | 'activity'): string {
  const [, fn] = functionResource(name);
  const assetPath = (fn as { Metadata?: Record<string, string> }).Metadata?.['aws:asset:path'];
  if (!assetPath) throw new Error(`no asset path for ${name}`);
  return join(outdir, assetPath);
}

/**
 * The function's environment as deployed, with the references replaced by stand-ins: the table's
 * name for every function, the secret's ARN only for those the construct gives it to, the
 * voice-fallback workflow's ARN for the start function.
 */
function environmentOf(name: FunctionName | 'activity'): Record<string, string> {
  const [, fn] = functionResource(name);
  const variables = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (typeof value === 'string') env[key] = value;
  }
  return {
    ...env,
    ...('TABLE_NAME' in variables ? { TABLE_NAME: 'onetime-test' } : {}),
    ...('SECRET_ARN' in variables ? { SECRET_ARN } : {}),
    ...('VOICE_FALLBACK_STATE_MACHINE_ARN' in variables
      ? { VOICE_FALLBACK_STATE_MACHINE_ARN: STATE_MACHINE_ARN }
      : {}),
  };
}

const ALL_BUNDLES = [...FUNCTION_NAMES, 'activity'] as const;

describe('Bundles: every function the construct produces', () => {
  it.each(ALL_BUNDLES)(
    'the %s bundle loads in a fresh Node process (reading its secret through the extension if it seals)',
    async (name) => {
      const file = join(bundleDir(name), 'index.mjs');
      const before = extension.requests.length;
      const script = `
        const module = await import(${JSON.stringify(`file://${file}`)});
        if (typeof module.handler !== 'function') { console.error('no handler export'); process.exit(3); }
        console.log('loaded');
      `;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          PATH: process.env['PATH'] ?? '',
          ...environmentOf(name),
          AWS_REGION: 'eu-west-1',
          AWS_SESSION_TOKEN: SESSION_TOKEN,
          PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        timeout: 30_000,
      });
      expect(stdout.trim()).toBe('loaded');
      const calls = extension.requests.slice(before);
      // Status and cancel open nothing sealed, and the activity stream reads only the stream: none of
      // them reads the secret.
      if (name === 'status' || name === 'cancel' || name === 'activity') {
        expect(calls).toHaveLength(0);
        return;
      }
      expect(calls).toHaveLength(1);
      expect(new URL(calls[0]!.url, 'http://localhost').searchParams.get('secretId')).toBe(SECRET_ARN);
      expect(calls[0]!.headers['x-aws-parameters-secrets-token']).toBe(SESSION_TOKEN);
    },
    40_000,
  );

  it.each(ALL_BUNDLES)('the %s bundle is one minified ESM file with a source map (no sources)', (name) => {
    const dir = bundleDir(name);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'module'")).toBe(true);
    // Minified: a few very long lines (what newlines remain sit inside template literals).
    expect(code.length / code.split('\n').length).toBeGreaterThan(2_000);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
    expect(map.sourcesContent).toBeUndefined();
    expect(existsSync(join(dir, 'index.js'))).toBe(false);
  });
});

describe('Bundles: the deployed ones are the ones the tests, the bench and the deploy checks run', () => {
  it('every asset the template points at is, byte for byte, esbuildOptions applied to its handler entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onetime-same-bundles-'));
    try {
      const functions = deployedFunctions(synthesized.stack, synthesized.template);
      const lambdas = resources(synthesized.template, 'AWS::Lambda::Function');
      const ours = await buildBundles([...new Set(functions.map((fn) => fn.handler))], dir);
      expect(functions.length).toBe(10); // every handler but the three Cognito triggers
      for (const fn of functions) {
        const assetPath = (lambdas[fn.logicalId] as { Metadata?: Record<string, string> }).Metadata?.[
          'aws:asset:path'
        ];
        const asset = readFileSync(join(outdir, assetPath!, 'index.mjs'), 'utf8');
        expect(asset === readFileSync(ours[fn.handler]!, 'utf8'), `${fn.handler}: the asset differs`).toBe(
          true,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('Bundles: the scheduled key rotation (built with the same esbuild options)', () => {
  it('loads in a fresh Node process, and bundles the Secrets Manager client and no other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onetime-rotation-'));
    try {
      const file = join(dir, 'index.mjs');
      const entry = handlerEntry('key-rotation');
      const { metafile } = await build({ ...esbuildOptions(entry, file), absWorkingDir: process.cwd() });
      const clients = new Set(
        Object.keys(metafile!.inputs).flatMap(
          (path) => /@aws-sdk\/client-([a-z0-9-]+)\//.exec(path)?.[1] ?? [],
        ),
      );
      expect([...clients]).toEqual(['secrets-manager']);
      const script = `const module = await import(${JSON.stringify(`file://${file}`)});
        console.log(typeof module.handler);`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          PATH: process.env['PATH'] ?? '',
          AWS_REGION: 'eu-west-1',
          KEY_ROTATION_SECRET_ARN: SECRET_ARN,
          KEY_ROTATION_EVERY_SECONDS: String(90 * 86_400),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        timeout: 30_000,
      });
      expect(stdout.trim()).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
