import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** infra/app.ts as `cdk synth -c …` runs it (context in CDK_CONTEXT_JSON), without bundling. */
async function synthWith(
  context: Record<string, string>,
): Promise<Record<string, { Type: string; Properties: Record<string, unknown> }>> {
  const outdir = mkdtempSync(join(tmpdir(), 'onetime-context-'));
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...context, 'aws:cdk:bundling-stacks': [] }),
      },
      timeout: 110_000,
    });
    return JSON.parse(readFileSync(join(outdir, 'Onetime.template.json'), 'utf8')).Resources;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const ofType = (resources: Awaited<ReturnType<typeof synthWith>>, type: string) =>
  Object.values(resources).filter((resource) => resource.Type === type);

describe('Context keys: cdk deploy -c tracing / -c tracingSampleRate / -c dashboard (infra/app.ts)', () => {
  it('-c tracing=all puts the functions on Active tracing and makes no sampling rule', async () => {
    const resources = await synthWith({ tracing: 'all' });
    const modes = ofType(resources, 'AWS::Lambda::Function').map(
      (fn) => (fn.Properties['TracingConfig'] as { Mode?: string } | undefined)?.Mode,
    );
    expect(modes).toContain('Active');
    expect(modes).not.toContain('PassThrough');
    expect(ofType(resources, 'AWS::XRay::SamplingRule')).toEqual([]);
  }, 120_000);

  it('-c tracingSampleRate=0.05 sets the share the stage’s rule traces', async () => {
    const resources = await synthWith({ tracingSampleRate: '0.05' });
    const [rule] = ofType(resources, 'AWS::XRay::SamplingRule');
    expect(rule?.Properties['SamplingRule']).toMatchObject({ FixedRate: 0.05, ReservoirSize: 0 });
  }, 120_000);

  it('-c dashboard=false leaves the dashboard out and keeps the alarms', async () => {
    const resources = await synthWith({ dashboard: 'false' });
    expect(ofType(resources, 'AWS::CloudWatch::Dashboard')).toEqual([]);
    expect(ofType(resources, 'AWS::CloudWatch::Alarm').length).toBeGreaterThan(10);
  }, 120_000);

  it('refuses a mode, a share or a switch it does not know, naming the key', async () => {
    await expect(synthWith({ tracing: 'some' })).rejects.toThrow(
      /-c tracing must be one of sampled, all, off/,
    );
    await expect(synthWith({ tracingSampleRate: '5' })).rejects.toThrow(
      /-c tracingSampleRate must be a share from 0 to 1/,
    );
    await expect(synthWith({ dashboard: 'no' })).rejects.toThrow(/-c dashboard must be "true" or "false"/);
  }, 120_000);
});
