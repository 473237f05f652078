import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
