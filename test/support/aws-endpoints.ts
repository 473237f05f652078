/**
 * Local endpoints for every AWS service a deployed function calls, for the tests that run the deployed
 * bundles (test/infra/deployed-*.test.ts). One HTTP server answers each service in its own wire format,
 * so the SDK's real serializers, parsers and checks run in the function: DynamoDB is forwarded to the
 * run's DynamoDB Local; SNS and SES (query protocol, XML), SMS-Voice v2, Step Functions and SQS
 * (JSON 1.0: SendTextMessage, SendVoiceMessage and Notify's two sends), CloudWatch's GetMetricData
 * (JSON 1.0 with the pinned client, 3.1178: its runtime config names AwsJson1_0Protocol, target
 * `GraniteServiceVersion20100801`, signing name `monitoring`), EventBridge and Secrets Manager (JSON
 * 1.1), and End User Messaging Social (REST JSON: the operation is the request's path) are answered here. The functions reach it
 * through `AWS_ENDPOINT_URL_<SERVICE_ID>` (`endpointVariables`), and every request is recorded with
 * the function that made it (the access key id each function is given: `credentialsFor`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STUB_SECRET } from './extension-stub.ts';

export interface RecordedCall {
  /** The function that signed the request (its access key id). */
  function: string;
  /** The signing name: dynamodb, sns, ses, sms-voice, states, sqs, events, secretsmanager, social-messaging, monitoring. */
  service: string;
  operation: string;
  region: string;
  /** The request's parameters, parsed (JSON body, or the query protocol's form fields). */
  input: Record<string, unknown>;
  /** The HTTP status answered. */
  status: number;
}

export interface AwsEndpoints {
  url: string;
  calls: RecordedCall[];
  /** The key-material secret as Secrets Manager holds it (the key rotation reads and writes it). */
  secret: { value: string; createdDate: Date; versions: number };
  /**
   * What GetMetricData answers, by query id (e.g. `sent_us`): the sum of the request's first hour
   * (`earlier`) and of its second (`hour`); a query not named here, or an hour left out, has no datapoint.
   */
  metricData: Map<string, { earlier?: number; hour?: number }>;
  close(): Promise<void>;
}

/** The service ids of the pinned clients, as `AWS_ENDPOINT_URL_<ID>` spells them (@smithy/core). */
export const SERVICE_ENDPOINT_IDS = [
  'DYNAMODB',
  'SNS',
  'SES',
  'PINPOINT_SMS_VOICE_V2',
  'SFN',
  'SQS',
  'EVENTBRIDGE',
  'SECRETS_MANAGER',
  'SOCIALMESSAGING',
  'CLOUDWATCH',
] as const;

/** The REST JSON operations answered here, by method and path (the SDK's `http` trait). */
const REST_OPERATIONS: Readonly<Record<string, string>> = {
  'social-messaging POST /v1/whatsapp/send': 'SendWhatsAppMessage',
};

/** Every service-specific endpoint variable, plus the generic one so no other service leaves the machine. */
export function endpointVariables(url: string): Record<string, string> {
  return Object.fromEntries([
    ['AWS_ENDPOINT_URL', url],
    ...SERVICE_ENDPOINT_IDS.map((id) => [`AWS_ENDPOINT_URL_${id}`, url]),
  ]);
}

/**
 * The credentials a function's process gets: an access key id made from its name (letters and digits
 * only, as DynamoDB Local requires), so each call is attributed to the function that signed it.
 */
export function credentialsFor(functionName: string) {
  return {
    AWS_ACCESS_KEY_ID: `AKID${functionName.replace(/[^A-Za-z0-9]/g, 'X')}`,
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_SESSION_TOKEN: `session-${functionName}`,
  };
}

const SCOPE = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/**
 * Starts the endpoints. `functionNames` are the functions whose calls are expected (their access key
 * ids, `credentialsFor`, are mapped back to their names in the record).
 */
export async function startAwsEndpoints(options: {
  dynamodbEndpoint: string;
  functionNames: readonly string[];
}): Promise<AwsEndpoints> {
  const names = new Map(options.functionNames.map((name) => [credentialsFor(name).AWS_ACCESS_KEY_ID, name]));
  const calls: RecordedCall[] = [];
  const secret = { value: STUB_SECRET, createdDate: new Date(Date.now() - 100 * 86_400_000), versions: 1 };
  const metricData: AwsEndpoints['metricData'] = new Map();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const scope = SCOPE.exec(req.headers.authorization ?? '');
      const [, key = 'unsigned', region = 'unknown', service = 'unknown'] = scope ?? [];
      const fn = names.get(key) ?? key;
      const target = String(req.headers['x-amz-target'] ?? '');
      const form = service === 'sns' || service === 'ses';
      const input = form ? formFields(body.toString('utf8')) : parseJson(body);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const operation = form
        ? String(input['Action'] ?? '')
        : target
          ? target.slice(target.indexOf('.') + 1)
          : (REST_OPERATIONS[`${service} ${req.method} ${path}`] ?? `${req.method} ${path}`);
      const call: RecordedCall = { function: fn, service, operation, region, input, status: 0 };
      calls.push(call);
      const answer = (status: number, contentType: string, text: string) => {
        call.status = status;
        res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
        res.end(text);
      };
      if (service === 'dynamodb') {
        forward(options.dynamodbEndpoint, req, body, res, (status) => {
          call.status = status;
        });
        return;
      }
      const reply = answerFor(call, secret, metricData);
      if (!reply) {
        answer(400, 'application/x-amz-json-1.0', JSON.stringify({ __type: 'UnknownOperationException' }));
        return;
      }
      answer(200, reply.contentType, reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    secret,
    metricData,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

const JSON_10 = 'application/x-amz-json-1.0';
const JSON_11 = 'application/x-amz-json-1.1';
const XML = 'text/xml';

/** The answer a service gives to one call, in its wire format; undefined for a call it does not know. */
function answerFor(
  call: RecordedCall,
  secret: AwsEndpoints['secret'],
  metricData: AwsEndpoints['metricData'],
): { contentType: string; body: string } | undefined {
  const id = randomUUID();
  const { input } = call;
  const key = `${call.service} ${call.operation}`;
  switch (key) {
    case 'sns Publish':
      return {
        contentType: XML,
        body: queryResponse('Publish', 'http://sns.amazonaws.com/doc/2010-03-31/', id),
      };
    case 'ses SendEmail':
      return {
        contentType: XML,
        body: queryResponse('SendEmail', 'http://ses.amazonaws.com/doc/2010-12-01/', id),
      };
    case 'social-messaging SendWhatsAppMessage':
      // REST JSON: the blob `message` arrives base64-encoded; the answer is plain JSON.
      return { contentType: 'application/json', body: JSON.stringify({ messageId: id }) };
    // SMS-Voice v2 (JSON 1.0): the direct sends, and Notify's, each answered with a message id.
    case 'sms-voice SendTextMessage':
    case 'sms-voice SendVoiceMessage':
    case 'sms-voice SendNotifyTextMessage':
    case 'sms-voice SendNotifyVoiceMessage':
      return { contentType: JSON_10, body: JSON.stringify({ MessageId: id }) };
    case 'states StartExecution':
      return {
        contentType: JSON_10,
        body: JSON.stringify({
          executionArn: `${String(input['stateMachineArn']).replace(':stateMachine:', ':execution:')}:${String(input['name'])}`,
          startDate: Date.now() / 1000,
        }),
      };
    case 'sqs SendMessage':
      return {
        contentType: JSON_10,
        // The SDK checks the body's MD5 against this.
        body: JSON.stringify({
          MessageId: id,
          MD5OfMessageBody: createHash('md5').update(String(input['MessageBody'])).digest('hex'),
        }),
      };
    case 'events PutEvents': {
      const entries = (input['Entries'] as unknown[] | undefined) ?? [];
      return {
        contentType: JSON_11,
        body: JSON.stringify({
          FailedEntryCount: 0,
          Entries: entries.map(() => ({ EventId: randomUUID() })),
        }),
      };
    }
    case 'secretsmanager GetSecretValue':
      return {
        contentType: JSON_11,
        body: JSON.stringify({
          ARN: input['SecretId'],
          Name: 'key-material',
          SecretString: secret.value,
          VersionId: `v${secret.versions}`,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.createdDate.getTime() / 1000,
        }),
      };
    case 'secretsmanager PutSecretValue':
      secret.value = String(input['SecretString']);
      secret.createdDate = new Date();
      secret.versions += 1;
      return {
        contentType: JSON_11,
        body: JSON.stringify({
          ARN: input['SecretId'],
          Name: 'key-material',
          VersionId: `v${secret.versions}`,
          VersionStages: ['AWSCURRENT'],
        }),
      };
    case 'sms-voice PutMessageFeedback':
      // Conversion feedback from the activity function (functions/core/feedback.ts).
      return {
        contentType: JSON_10,
        body: JSON.stringify({
          MessageId: input['MessageId'],
          MessageFeedbackStatus: input['MessageFeedbackStatus'],
        }),
      };
    case 'monitoring GetMetricData': {
      // JSON 1.0 timestamps are epoch seconds. Each query's datapoints: the request's first hour
      // (`earlier`) and its second (`hour`), as `metricData` names them.
      const start = Number(input['StartTime']);
      const queries = (input['MetricDataQueries'] as Array<{ Id: string }> | undefined) ?? [];
      return {
        contentType: JSON_10,
        body: JSON.stringify({
          MetricDataResults: queries.map(({ Id }) => {
            const sums = metricData.get(Id) ?? {};
            const points = [
              [start, sums.earlier],
              [start + 3600, sums.hour],
            ].filter((point): point is [number, number] => point[1] !== undefined);
            return {
              Id,
              Label: Id,
              StatusCode: 'Complete',
              Timestamps: points.map(([at]) => at),
              Values: points.map(([, value]) => value),
            };
          }),
          Messages: [],
        }),
      };
    }
    default:
      return undefined;
  }
}

function queryResponse(action: string, namespace: string, messageId: string): string {
  return (
    `<${action}Response xmlns="${namespace}"><${action}Result><MessageId>${messageId}</MessageId>` +
    `</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** The query protocol's form body, with `Member.N.Name`-style keys kept flat. */
function formFields(text: string): Record<string, unknown> {
  return Object.fromEntries(new URLSearchParams(text));
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Forwards a request to DynamoDB Local as it came (it does not check signatures) and pipes the answer back. */
function forward(
  endpoint: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  onStatus: (status: number) => void,
): void {
  const target = new URL(endpoint);
  const headers = { ...req.headers, host: target.host };
  const upstream = httpRequest(
    { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
    (answer) => {
      onStatus(answer.statusCode ?? 0);
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    onStatus(502);
    res.writeHead(502).end(String(error));
  });
  upstream.end(body);
}
