import { Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OtpServiceProps } from '../../infra/otp-service-props.ts';
import { FULL_PROPS, type Synthesized, synthesize } from '../support/synth.ts';

const VARIANTS: Array<[string, OtpServiceProps]> = [
  ['every channel configured', FULL_PROPS],
  ['nothing configured (sms only)', {}],
  ['voice from an E.164 number', { voice: { originationIdentity: '+18885550123' } }],
  ['a scheduled key rotation', { keyRotation: { every: Duration.days(90) } }],
  ['SMS through End User Messaging directly', { sms: { provider: 'end-user-messaging', senderId: 'Acme' } }],
  [
    'a protect configuration as the account default',
    {
      sms: { provider: 'end-user-messaging' },
      smsProtect: { accountDefault: true },
      deliveryReceipts: false,
    },
  ],
  [
    'SMS and voice through Notify',
    { sms: { provider: 'notify' }, voice: { provider: 'notify' }, allowedCountries: ['US', 'CA'] },
  ],
  [
    'a web ACL on the stage',
    { api: { webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1' } },
  ],
];
const synthesized = new Map<string, Synthesized>();

// The first synthesis and the first nag run load most of aws-cdk-lib and every rule: seconds, once.
beforeAll(() => {
  for (const [name, props] of VARIANTS) synthesized.set(name, synthesize(props));
  findings(synthesized.get(VARIANTS[0]![0])!.stack);
});

/** Unacknowledged AwsSolutions findings, as "rule at construct path". */
function findings(scope: IConstruct): string[] {
  const { violations } = new AwsSolutionsChecks(scope).validateScope(scope);
  return violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

/** Every acknowledgment recorded in the tree, with its reason. */
function acknowledgments(scope: IConstruct): Array<{ path: string; rule: string; reason: unknown }> {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([rule, reason]) => ({
          path: construct.node.path,
          rule,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it.each(VARIANTS.map(([name]) => name))('finds nothing unacknowledged with %s', (name) => {
    expect(findings(synthesized.get(name)!.stack)).toEqual([]);
  });

  it('every acknowledgment names its rule and carries a reason a reviewer can check', () => {
    const acks = acknowledgments(synthesized.get(VARIANTS[0]![0])!.stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.rule, ack.path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(typeof ack.reason, `${ack.rule} at ${ack.path}`).toBe('string');
      expect((ack.reason as string).length, `${ack.rule} at ${ack.path}`).toBeGreaterThan(60);
    }
  });

  it('acknowledges no rule it has not been shown to need (no blanket IAM5, no DDB3, no APIG1/2/6)', () => {
    const rules = new Set(
      acknowledgments(synthesized.get(VARIANTS[0]![0])!.stack).map((a) =>
        a.rule.replace(/^annotation::/i, ''),
      ),
    );
    for (const rule of [
      'AwsSolutions-IAM5',
      'AwsSolutions-DDB3',
      'AwsSolutions-APIG1',
      'AwsSolutions-APIG2',
      'AwsSolutions-APIG6',
    ]) {
      expect(rules.has(rule), rule).toBe(false);
    }
  });
});
