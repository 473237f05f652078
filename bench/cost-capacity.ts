/**
 * DynamoDB write and read units per function, for the cost table (bench/cost.ts): a proxy in front of
 * DynamoDB Local that asks for ConsumedCapacity on every data call and files it under the function
 * that signed the request (test/support/aws-endpoints.ts gives each function its own access key).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { credentialsFor } from '../test/support/aws-endpoints.ts';

export interface Units {
  requests: number;
  write: number;
  read: number;
}
const OPERATIONS_WITH_CAPACITY =
  /^DynamoDB_20120810\.(GetItem|PutItem|UpdateItem|DeleteItem|BatchGetItem|BatchWriteItem|TransactWriteItems|TransactGetItems|Query|Scan)$/;
const WRITES = /PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems/;

/**
 * A proxy in front of DynamoDB Local that adds `ReturnConsumedCapacity: TOTAL` to every data call and
 * adds up what each function consumed. The answer is passed on untouched (the SDK checks its CRC32).
 */
export async function capacityProxy(upstream: string, functions: readonly string[]) {
  const names = new Map(functions.map((name) => [credentialsFor(name).AWS_ACCESS_KEY_ID, name]));
  const byFunction = new Map<string, Units>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const counted = OPERATIONS_WITH_CAPACITY.test(target);
      const key = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const who = names.get(key) ?? 'bench';
      let transactionUnits = 0;
      if (counted) {
        const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        input['ReturnConsumedCapacity'] = 'TOTAL';
        body = Buffer.from(JSON.stringify(input));
        if (target.endsWith('TransactWriteItems')) transactionUnits = transactionWriteUnits(input);
      }
      const url = new URL(upstream);
      const headers = { ...req.headers, host: url.host, 'content-length': String(body.length) };
      const call = httpRequest(
        { hostname: url.hostname, port: url.port, path: req.url, method: req.method, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (part: Buffer) => parts.push(part));
          answer.on('end', () => {
            const text = Buffer.concat(parts);
            if (counted) record(who, target, answer.statusCode ?? 0, text.toString('utf8'), transactionUnits);
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(text);
          });
        },
      );
      call.on('error', (error) => res.writeHead(502).end(String(error)));
      call.end(body);
    });
  });
  function record(who: string, target: string, status: number, text: string, transactionUnits: number) {
    const operation = target.slice(target.indexOf('.') + 1);
    const units = byFunction.get(who) ?? { requests: 0, write: 0, read: 0 };
    units.requests += 1;
    byFunction.set(who, units);
    const write = WRITES.test(operation);
    if (status !== 200) {
      // A refused conditional write still consumes a unit (of the item it checked).
      if (write) units.write += 1;
      return;
    }
    if (operation === 'TransactWriteItems') {
      units.write += transactionUnits;
      return;
    }
    const answer = JSON.parse(text || '{}') as { ConsumedCapacity?: unknown };
    const consumed = [answer.ConsumedCapacity ?? []]
      .flat()
      .reduce(
        (sum: number, entry) => sum + Number((entry as { CapacityUnits?: number }).CapacityUnits ?? 0),
        0,
      );
    if (write) units.write += consumed;
    else units.read += consumed;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take(): Map<string, Units> {
      const taken = new Map([...byFunction].map(([name, units]) => [name, { ...units }]));
      byFunction.clear();
      return taken;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A transaction's write units as DynamoDB bills them: two per 1 KB of each item. DynamoDB Local's
 * ConsumedCapacity for a transaction is neither doubled nor per item (4 small items report 2), so the
 * units come from the request: a Put's item size (attribute names and values, DynamoDB's rule), and
 * 1 KB for an Update, Delete or ConditionCheck (the counters and the verification are well under it).
 */
export function transactionWriteUnits(input: Record<string, unknown>): number {
  const items = (input['TransactItems'] as Array<Record<string, { Item?: Record<string, unknown> }>>) ?? [];
  return items.reduce((sum, entry) => {
    const [kind, op] = Object.entries(entry)[0]!;
    const kb = kind === 'Put' && op.Item ? Math.ceil(attributeBytes(op.Item) / 1024) : 1;
    return sum + 2 * Math.max(1, kb);
  }, 0);
}

/** An item's size by DynamoDB's rule, near enough: each name's bytes plus its value's text. */
function attributeBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => {
    const text = JSON.stringify(Object.values(value as Record<string, unknown>)[0]);
    return sum + Buffer.byteLength(name) + Buffer.byteLength(text) - 2;
  }, 0);
}
