import { describe, expect, it } from 'vitest';
import { type AppTemplate, synthesizeApp } from '../support/synth.ts';

/** infra/app.ts as `cdk synth -c …` runs it: the template's resources. */
const synthWith = async (context: Record<string, string>) => (await synthesizeApp(context)).Resources;

const ofType = (resources: AppTemplate['Resources'], type: string) =>
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
