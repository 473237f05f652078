/**
 * Values for what a synthesized template leaves to deploy time (`Ref`, `Fn::GetAtt`, pseudo
 * parameters), as the deployed stack would have them, with the table a DynamoDB Local table. The same resolver turns a function's environment and its
 * role's policy resources into strings, so a call recorded with the values the function was given is
 * compared with the ARNs the policy would hold.
 */
import type { Template } from 'aws-cdk-lib/assertions';

export interface StandInOptions {
  region: string;
  account: string;
  /** The DynamoDB Local table that stands in for the stack's table. */
  tableName: string;
  /** Base URL of the local AWS endpoints (test/support/aws-endpoints.ts). */
  endpointsUrl: string;
}

export class TemplateStandIns {
  readonly #types: Record<string, string>;

  constructor(
    template: Template,
    readonly options: StandInOptions,
  ) {
    const resources = (template.toJSON() as { Resources: Record<string, { Type: string }> }).Resources;
    this.#types = Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type]));
    const tables = Object.values(this.#types).filter((type) => type === 'AWS::DynamoDB::Table');
    if (tables.length !== 1) throw new Error(`expected one table, found ${tables.length}`);
  }

  /** A template value (string, reference or intrinsic) as the deployed stack would hold it. */
  resolve(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    const node = value as Record<string, unknown>;
    if ('Ref' in node) return this.#ref(String(node['Ref']));
    if ('Fn::GetAtt' in node) {
      const [id, attribute] = node['Fn::GetAtt'] as [string, string];
      return this.#getAtt(id, attribute);
    }
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => this.resolve(part)).join(separator);
    }
    if ('Fn::Select' in node) {
      const [index, list] = node['Fn::Select'] as [number, unknown];
      const items = Array.isArray(list) ? list.map((item) => this.resolve(item)) : this.#split(list);
      return items[index] ?? '';
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  }

  #split(value: unknown): string[] {
    const node = value as Record<string, unknown>;
    if (!('Fn::Split' in node)) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
    const [separator, text] = node['Fn::Split'] as [string, unknown];
    return this.resolve(text).split(separator);
  }

  #arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.options.region}:${this.options.account}:${resource}`;
  }

  #ref(id: string): string {
    const { region, account, tableName } = this.options;
    switch (id) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
    switch (this.#types[id]) {
      case 'AWS::DynamoDB::Table':
        return tableName;
      case 'AWS::SecretsManager::Secret':
        return this.#arn('secretsmanager', `secret:${id}-AbCdEf`);
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${id}`;
      case 'AWS::StepFunctions::StateMachine':
        return this.#arn('states', `stateMachine:${id}`);
      case 'AWS::SNS::Topic':
        return this.#arn('sns', id);
      case undefined:
        throw new Error(`Ref to ${id}, which is not in the template`);
      default:
        return id;
    }
  }

  #getAtt(id: string, attribute: string): string {
    const type = this.#types[id];
    const name = this.#ref(id);
    switch (`${type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.Arn':
        return this.#arn('dynamodb', `table/${name}`);
      case 'AWS::DynamoDB::Table.StreamArn':
        return this.#arn('dynamodb', `table/${name}/stream/2026-01-01T00:00:00.000`);
      case 'AWS::SQS::Queue.Arn':
        return this.#arn('sqs', id);
      case 'AWS::SQS::Queue.QueueName':
        return id;
      case 'AWS::SQS::Queue.QueueUrl':
        return name;
      case 'AWS::StepFunctions::StateMachine.Arn':
        return name;
      case 'AWS::StepFunctions::StateMachine.Name':
        return id;
      case 'AWS::Events::EventBus.Arn':
        return this.#arn('events', `event-bus/${id}`);
      case 'AWS::Events::EventBus.Name':
        return id;
      case 'AWS::Logs::LogGroup.Arn':
        return this.#arn('logs', `log-group:${id}:*`);
      case 'AWS::Lambda::Function.Arn':
        return this.#arn('lambda', `function:${id}`);
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${this.options.account}:role/${id}`;
      case 'AWS::SecretsManager::Secret.Id':
        return name;
      // Ids of the shape End User Messaging gives them (`protect-…`), as the functions check them.
      case 'AWS::SMSVOICE::ProtectConfiguration.ProtectConfigurationId':
        return `protect-${id.toLowerCase()}`;
      case 'AWS::SMSVOICE::ProtectConfiguration.Arn':
        return this.#arn('sms-voice', `protect-configuration/protect-${id.toLowerCase()}`);
      case 'AWS::SMSVOICE::NotifyConfiguration.NotifyConfigurationId':
        return `notify-${id.toLowerCase()}`;
      case 'AWS::SMSVOICE::NotifyConfiguration.Arn':
        return this.#arn('sms-voice', `notify-configuration/notify-${id.toLowerCase()}`);
      default:
        return `arn:aws:unresolved:${this.options.region}:${this.options.account}:${id}.${attribute}`;
    }
  }
}
