import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { handlerEntry, OtpFunction } from '../../infra/otp-function.ts';

/**
 * Code splitting (infra/split-bundle.mjs) rebuilds a function's asset with `esbuildOptions`, which
 * knows only the construct's own bundling options: a function given options of its own must keep
 * them (one file, built by NodejsFunction with them), never have them silently replaced.
 */
describe('code splitting and bundling options of a function', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'onetime-split-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const assembly = (() => {
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Split');
    const environment = { TABLE_NAME: 'onetime-table' };
    new OtpFunction(stack, 'Plain', { entry: handlerEntry('status'), environment });
    new OtpFunction(stack, 'OwnOptions', {
      entry: handlerEntry('status'),
      environment,
      bundling: { minify: false },
    });
    // The same two ways for a function that reads phone numbers (it masks them): the receipts.
    const sealing = {
      ...environment,
      SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf',
    };
    new OtpFunction(stack, 'PhonesPlain', { entry: handlerEntry('delivery-receipts'), environment: sealing });
    new OtpFunction(stack, 'PhonesOwnOptions', {
      entry: handlerEntry('delivery-receipts'),
      environment: sealing,
      bundling: { minify: false },
    });
    // A team's own `--alias` beside the construct's: an entry that needs both.
    const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
    new OtpFunction(stack, 'TeamAlias', {
      entry: join(fixtures, 'two-aliases.ts'),
      bundling: { esbuildArgs: { '--alias': `team-greeting=${join(fixtures, 'team-greeting.ts')}` } },
    });
    return app.synth();
  })();
  const assetOf = (id: string) => {
    const template = assembly.getStackByName('Split').template as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const [, resource] = Object.entries(template.Resources).find(
      ([logicalId, r]) => r.Type === 'AWS::Lambda::Function' && logicalId.startsWith(id),
    )!;
    return join(outdir, resource.Metadata!['aws:asset:path']!);
  };

  it('splits a function built with the defaults: chunks beside a minified index.mjs', () => {
    const dir = assetOf('Plain');
    expect(existsSync(join(dir, 'chunks'))).toBe(true);
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8').split('\n').length).toBeLessThan(50);
  });

  it("keeps a function's own bundling options: one file, built with them (here not minified)", () => {
    const dir = assetOf('OwnOptions');
    expect(existsSync(join(dir, 'chunks'))).toBe(false);
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8').split('\n').length).toBeGreaterThan(1000);
  });

  it('gives both the deployed phone metadata: the parsing rules without the formatting rules', () => {
    const usFormat = '"($1) $2-$3"';
    const usPattern = '"[2-9]\\\\d{9}|3\\\\d{6}"';
    expect(
      readFileSync(new URL(import.meta.resolve('libphonenumber-js/metadata.min.json')), 'utf8'),
    ).toContain(usFormat);
    for (const id of ['PhonesPlain', 'PhonesOwnOptions', 'TeamAlias']) {
      const dir = assetOf(id);
      const code = readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.mjs'))
        .map((file) => readFileSync(join(dir, file), 'utf8'))
        .join('\n');
      expect({ id, usPattern: code.includes(usPattern), usFormat: code.includes(usFormat) }).toEqual({
        id,
        usPattern: true,
        usFormat: false,
      });
    }
  });

  it("applies a team's own --alias beside the deployed phone metadata's", () => {
    expect(readFileSync(join(assetOf('TeamAlias'), 'index.mjs'), 'utf8')).toContain(
      'hello from the team alias',
    );
  });
});
