/**
 * One loopback endpoint answering every AWS call either side of bench/peer.ts makes on its first
 * invocation, in each service's wire format, so the SDKs' real serializers and parsers run: DynamoDB
 * (JSON 1.0), KMS (JSON 1.1), SNS and SES (query protocol, XML). Both sides reach it through
 * `AWS_ENDPOINT_URL_<SERVICE>`. onetime's table gets the bench's stored verification (bundles.ts); the
 * peer's secrets table gets the magic-link record its verify trigger reads back. Every call is recorded,
 * so a row can say which calls its first invocation made.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoredStatus } from '../functions/core/verification.ts';
import { storedVerification } from './bundles.ts';

export interface AwsStub {
  url: string;
  /** `service Operation`, in the order they came. */
  calls: string[];
  close(): Promise<void>;
}

/** What the stub answers the peer's reads with. */
export interface PeerState {
  /** The peer's secrets table (DYNAMODB_SECRETS_TABLE). */
  secretsTable: string;
  /** The item its magic-link verify reads back (UpdateItem, ALL_OLD), DynamoDB JSON. */
  magicLinkRecord: Record<string, unknown>;
  /** The KMS key's public half (DER, SPKI) and a signature for its Sign call. */
  publicKeyDer: Buffer;
  signature: Buffer;
}

const SCOPE = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

export async function startAwsStub(peer: PeerState): Promise<AwsStub> {
  const calls: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const service = SCOPE.exec(request.headers.authorization ?? '')?.[1] ?? 'unknown';
      const target = String(request.headers['x-amz-target'] ?? '');
      const form = service === 'sns' || service === 'ses';
      const input = form ? Object.fromEntries(new URLSearchParams(body)) : JSON.parse(body || '{}');
      const operation = form ? String(input.Action) : target.slice(target.indexOf('.') + 1);
      calls.push(`${service} ${operation}`);
      const answer = answerFor(service, operation, input, peer);
      response.writeHead(answer ? 200 : 400, {
        'content-type': answer?.contentType ?? 'application/x-amz-json-1.0',
        'x-amzn-requestid': randomUUID(),
      });
      response.end(answer?.body ?? JSON.stringify({ __type: 'UnknownOperationException' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

const JSON_10 = 'application/x-amz-json-1.0';
const JSON_11 = 'application/x-amz-json-1.1';

function answerFor(
  service: string,
  operation: string,
  // biome-ignore lint/suspicious/noExplicitAny: a parsed request body, read by field name
  input: any,
  peer: PeerState,
): { contentType: string; body: string } | undefined {
  switch (`${service} ${operation}`) {
    case 'dynamodb GetItem':
      return { contentType: JSON_10, body: JSON.stringify({ Item: storedVerification('pending') }) };
    case 'dynamodb UpdateItem': {
      if (input.TableName === peer.secretsTable) {
        return { contentType: JSON_10, body: JSON.stringify({ Attributes: peer.magicLinkRecord }) };
      }
      // A check's guess (it sets the status from the code marker) is answered as the right code.
      const guess = String(input.UpdateExpression ?? '').includes('if_not_exists');
      const status = (
        guess ? 'approved' : (input.ExpressionAttributeValues?.[':canceled']?.S ?? 'pending')
      ) as StoredStatus;
      return { contentType: JSON_10, body: JSON.stringify({ Attributes: storedVerification(status) }) };
    }
    case 'dynamodb PutItem':
    case 'dynamodb TransactWriteItems':
      return { contentType: JSON_10, body: '{}' };
    case 'kms Sign':
      return {
        contentType: JSON_11,
        body: JSON.stringify({
          KeyId: input.KeyId,
          Signature: peer.signature.toString('base64'),
          SigningAlgorithm: input.SigningAlgorithm,
        }),
      };
    case 'kms GetPublicKey':
      return {
        contentType: JSON_11,
        body: JSON.stringify({ KeyId: input.KeyId, PublicKey: peer.publicKeyDer.toString('base64') }),
      };
    case 'sns Publish':
      return {
        contentType: 'text/xml',
        body: queryAnswer('Publish', 'http://sns.amazonaws.com/doc/2010-03-31/'),
      };
    case 'ses SendEmail':
      return {
        contentType: 'text/xml',
        body: queryAnswer('SendEmail', 'http://ses.amazonaws.com/doc/2010-12-01/'),
      };
    default:
      return undefined;
  }
}

const queryAnswer = (action: string, namespace: string) =>
  `<${action}Response xmlns="${namespace}"><${action}Result><MessageId>${randomUUID()}</MessageId>` +
  `</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
