/**
 * DynamoDB Streams for local mode and the tests, without @aws-sdk/client-dynamodb-streams (not a
 * dependency): the Streams API is four JSON-over-HTTP operations (`DynamoDBStreams_20120810.*`) on
 * DynamoDB Local's own endpoint, signed with SigV4 here from the DynamoDB client's endpoint, region
 * and credentials. DynamoDB Local's GetRecords answers the same JSON as Lambda's event records (binary
 * values as base64), so the records go to the deployed handler unchanged.
 */
import { createHash, createHmac } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

/** Turns on NEW_AND_OLD_IMAGES on the table (once) and answers its stream's ARN. */
export async function enableStream(client: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const spec = Table?.StreamSpecification;
  if (spec?.StreamEnabled && spec.StreamViewType === 'NEW_AND_OLD_IMAGES' && Table?.LatestStreamArn) {
    return Table.LatestStreamArn;
  }
  if (spec?.StreamEnabled) {
    throw new Error(`table ${tableName} has a ${spec.StreamViewType} stream; NEW_AND_OLD_IMAGES is needed`);
  }
  const { TableDescription } = await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const arn = TableDescription?.LatestStreamArn;
  if (!arn) throw new Error(`table ${tableName} reports no stream after enabling one`);
  return arn;
}

interface Shard {
  ShardId: string;
  ParentShardId?: string;
}

/** The Streams operations this needs, over DynamoDB (Local)'s endpoint. */
export class StreamsApi {
  constructor(private readonly client: DynamoDBClient) {}

  describeStream(streamArn: string, exclusiveStartShardId?: string) {
    return this.#call<{ StreamDescription: { Shards?: Shard[]; LastEvaluatedShardId?: string } }>(
      'DescribeStream',
      {
        StreamArn: streamArn,
        ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
      },
    );
  }
  getShardIterator(streamArn: string, shardId: string, afterSequenceNumber?: string) {
    return this.#call<{ ShardIterator?: string }>('GetShardIterator', {
      StreamArn: streamArn,
      ShardId: shardId,
      ...(afterSequenceNumber
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: afterSequenceNumber }
        : { ShardIteratorType: 'TRIM_HORIZON' }),
    });
  }
  getRecords(shardIterator: string) {
    return this.#call<{ Records?: DynamoDBRecord[]; NextShardIterator?: string }>('GetRecords', {
      ShardIterator: shardIterator,
      Limit: 1000,
    });
  }

  async #call<T>(operation: string, input: unknown): Promise<T> {
    const config = this.client.config;
    const endpoint = await config.endpoint?.();
    if (!endpoint) throw new Error('the DynamoDB client has no endpoint (local streams need DynamoDB Local)');
    const url = new URL(
      `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path}`,
    );
    const body = JSON.stringify(input);
    const headers = signedHeaders({
      url,
      body,
      target: `DynamoDBStreams_20120810.${operation}`,
      region: await config.region(),
      credentials: await config.credentials(),
    });
    const response = await fetch(url, { method: 'POST', headers, body });
    const text = await response.text();
    const parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (!response.ok) {
      const type = String(parsed['__type'] ?? response.status).replace(/^.*#/, '');
      throw new StreamsError(type, String(parsed['message'] ?? parsed['Message'] ?? text));
    }
    return parsed as T;
  }
}

export class StreamsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
    this.name = 'StreamsError';
  }
}

/** SigV4 for one JSON POST (service `dynamodb`: Streams is signed as DynamoDB). */
function signedHeaders(input: {
  url: URL;
  body: string;
  target: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}): Record<string, string> {
  const { url, body, target, region, credentials } = input;
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    url.pathname || '/',
    '',
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    sha256(body),
  ].join('\n');
  const scope = `${day}/${region}/dynamodb/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, 'dynamodb', 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, toSign).toString('hex');
  const { host: _host, ...sent } = headers; // fetch sets Host itself, to the same value
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * Reads a stream from its start, shard by shard (a child shard only after its parent is drained, as
 * Lambda does), and hands back whatever is new on each `read()`.
 */
export class StreamReader {
  readonly #shards = new Map<string, { parent?: string; iterator?: string; last?: string; done: boolean }>();

  constructor(
    private readonly api: StreamsApi,
    readonly streamArn: string,
  ) {}

  /** Every record written since the previous read, oldest first per shard. */
  async read(): Promise<DynamoDBRecord[]> {
    await this.#discoverShards();
    const records: DynamoDBRecord[] = [];
    const visited = new Set<string>();
    // A child shard is readable once its parent is drained (or gone): go round until none is left.
    for (;;) {
      const ready = [...this.#shards].filter(
        ([id, shard]) =>
          !shard.done &&
          !visited.has(id) &&
          (shard.parent === undefined || this.#shards.get(shard.parent)?.done !== false),
      );
      if (ready.length === 0) return records;
      for (const [id, shard] of ready) {
        visited.add(id);
        await this.#drain(id, shard, records);
      }
    }
  }

  async #discoverShards(): Promise<void> {
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.api.describeStream(this.streamArn, start);
      for (const shard of StreamDescription.Shards ?? []) {
        if (!this.#shards.has(shard.ShardId)) {
          this.#shards.set(shard.ShardId, {
            ...(shard.ParentShardId ? { parent: shard.ParentShardId } : {}),
            done: false,
          });
        }
      }
      start = StreamDescription.LastEvaluatedShardId;
    } while (start);
  }

  async #drain(
    shardId: string,
    shard: { iterator?: string; last?: string; done: boolean },
    into: DynamoDBRecord[],
  ): Promise<void> {
    for (;;) {
      shard.iterator ??= (await this.api.getShardIterator(this.streamArn, shardId, shard.last)).ShardIterator;
      if (shard.iterator === undefined) {
        shard.done = true;
        return;
      }
      let page: Awaited<ReturnType<StreamsApi['getRecords']>>;
      try {
        page = await this.api.getRecords(shard.iterator);
      } catch (error) {
        // Iterators expire after 15 minutes; take a new one after the last record seen.
        if (error instanceof StreamsError && error.type === 'ExpiredIteratorException') {
          delete shard.iterator;
          continue;
        }
        throw error;
      }
      const records = page.Records ?? [];
      into.push(...records);
      const last = records.at(-1)?.dynamodb?.SequenceNumber;
      if (last !== undefined) shard.last = last;
      if (page.NextShardIterator === undefined) {
        delete shard.iterator;
        shard.done = true;
        return;
      }
      shard.iterator = page.NextShardIterator;
      if (records.length === 0) return;
    }
  }
}
