/**
 * The AWS resources the phone providers send through, made by `OtpService` when its props call for
 * them: the Notify configuration (when SMS or voice goes through Notify) and the protect configuration
 * of the direct End User Messaging path, whose country rules follow `allowedCountries`.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { getCountries } from '../functions/core/phone-numbers.ts';
import { DEFAULT_ALLOWED_COUNTRIES, DEFAULT_SETTINGS } from '../functions/core/settings.ts';
import type { OtpServiceProps } from './otp-service-props.ts';

export interface PhoneProviderResources {
  notifyConfiguration?: smsvoice.CfnNotifyConfiguration;
  protectConfiguration?: smsvoice.CfnProtectConfiguration;
  /** The Notify configuration the functions send through (made here, or the one named in the props). */
  notifyConfigurationId?: string;
  /** The protect configuration attached to every direct send (made here, or the one named). */
  protectConfigurationId?: string;
}

export const usesNotify = (props: OtpServiceProps) =>
  props.sms?.provider === 'notify' || props.voice?.provider === 'notify';

/** SMS through `SendTextMessage`, or voice through `SendVoiceMessage`: the sends a protect configuration applies to. */
export const usesDirectPath = (props: OtpServiceProps) =>
  props.sms?.provider === 'end-user-messaging' ||
  (props.voice !== undefined && props.voice.provider !== 'notify');

export function createPhoneProviders(scope: Construct, props: OtpServiceProps): PhoneProviderResources {
  const resources: PhoneProviderResources = {};
  const allowed = props.allowedCountries ?? DEFAULT_ALLOWED_COUNTRIES;
  if (usesNotify(props)) {
    if (props.notify?.configurationId) resources.notifyConfigurationId = props.notify.configurationId;
    else {
      const channels = [
        ...(props.sms?.provider === 'notify' ? ['SMS'] : []),
        ...(props.voice?.provider === 'notify' ? ['VOICE'] : []),
      ];
      const configuration = new smsvoice.CfnNotifyConfiguration(scope, 'NotifyConfiguration', {
        // The brand Notify's templates show: the name our own messages use.
        displayName: props.appName ?? DEFAULT_SETTINGS.appName,
        useCase: 'CODE_VERIFICATION',
        enabledChannels: channels,
        // `*`: every country the configuration's tier allows (Notify decides; the Basic tier has 30).
        ...(allowed.includes('*') ? {} : { enabledCountries: [...allowed] }),
        ...(props.notify?.defaultTemplateId ? { defaultTemplateId: props.notify.defaultTemplateId } : {}),
      });
      // aws-cdk-lib's own template check (as cfn-lint 1.51's data) predates Notify: it reports this one
      // resource type as unknown on every synth. Acknowledged for exactly this resource, nothing else.
      Validations.of(configuration).acknowledge({
        id: 'CloudFormation-Validate::F3006',
        reason:
          "AWS::SMSVOICE::NotifyConfiguration is in CloudFormation's registry since Notify's launch; the " +
          'resource schemas this aws-cdk-lib validates against predate it (test/infra/cfn-lint.test.ts).',
      });
      resources.notifyConfiguration = configuration;
      resources.notifyConfigurationId = configuration.attrNotifyConfigurationId;
    }
  }
  if (usesDirectPath(props) && props.smsProtect !== false) {
    if (props.smsProtect?.configurationId)
      resources.protectConfigurationId = props.smsProtect.configurationId;
    else {
      const rules = protectCountryRules(allowed, props.smsProtect?.allowedCountryRule ?? 'FILTER');
      const configuration = new smsvoice.CfnProtectConfiguration(scope, 'ProtectConfiguration', {
        countryRuleSet: { sms: rules, voice: rules },
      });
      resources.protectConfiguration = configuration;
      resources.protectConfigurationId = configuration.attrProtectConfigurationId;
    }
    if (props.smsProtect?.accountDefault) makeAccountDefault(scope, resources.protectConfigurationId!);
  }
  return resources;
}

/**
 * The explicit opt-in: the protect configuration becomes the account's default in this region, so SNS
 * and Cognito SMS (which cannot name one per message) are filtered too; removed from the stack, the
 * account has no default again.
 */
function makeAccountDefault(scope: Construct, protectConfigurationId: string): void {
  const arn = smsVoiceArn(Stack.of(scope), 'protect-configuration', protectConfigurationId);
  const call = (action: string, parameters?: Record<string, string>) => ({
    service: 'PinpointSMSVoiceV2',
    action,
    ...(parameters ? { parameters } : {}),
    physicalResourceId: cr.PhysicalResourceId.of('account-default-protect-configuration'),
  });
  new cr.AwsCustomResource(scope, 'ProtectAccountDefault', {
    onUpdate: call('SetAccountDefaultProtectConfiguration', {
      ProtectConfigurationId: protectConfigurationId,
    }),
    onDelete: call('DeleteAccountDefaultProtectConfiguration'),
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({
        actions: [
          'sms-voice:SetAccountDefaultProtectConfiguration',
          'sms-voice:DeleteAccountDefaultProtectConfiguration',
        ],
        resources: [arn],
      }),
    ]),
    installLatestAwsSdk: false,
  });
  const provider = Stack.of(scope).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
  if (provider) {
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's AwsCustomResource provider runs with AWSLambdaBasicExecutionRole (writing its own logs); it " +
        'only sets (and on removal deletes) the account default protect configuration, once per deployment.',
    });
  }
}

/**
 * One rule per country with a phone numbering plan: the allowed ones `allowedRule`, every other one
 * BLOCK, so a number our allow-list lets through by mistake is still stopped by AWS. `*` allows all.
 */
export function protectCountryRules(
  allowedCountries: readonly string[],
  allowedRule: 'ALLOW' | 'FILTER',
): smsvoice.CfnProtectConfiguration.CountryRuleProperty[] {
  const all = allowedCountries.includes('*');
  return getCountries()
    .filter((code) => code.length === 2 && /^[A-Z]{2}$/.test(code))
    .sort()
    .map((countryCode) => ({
      countryCode,
      protectStatus: all || allowedCountries.includes(countryCode) ? allowedRule : 'BLOCK',
    }));
}

/** An SMS-Voice resource's ARN from its id (`notify-configuration`, `protect-configuration`), or the ARN as given. */
export function smsVoiceArn(stack: Stack, resource: string, idOrArn: string): string {
  if (idOrArn.startsWith('arn:')) return idOrArn;
  return stack.formatArn({ service: 'sms-voice', resource, resourceName: idOrArn });
}
