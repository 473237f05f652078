/**
 * The secrets audit every file that talks to DynamoDB Local runs over its own services: no log line and
 * no stored item holds a delivered code or a full destination, and no item is already due for deletion
 * by DynamoDB Local's TTL. `auditedServices()` makes services and audits them when the file ends.
 */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, expect, inject } from 'vitest';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { deliveredCodes } from './codes.ts';
import { createTestService, type TestService } from './service.ts';

/** Every item of the service's table, as DynamoDB returns it. */
export async function scanTable(s: TestService): Promise<Record<string, AttributeValue>[]> {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: s.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return items;
}

/** What a service must never keep in plain text: the codes it delivered and the destinations it served. */
export interface Secrets {
  codes: Iterable<string>;
  destinations: Iterable<string>;
}

/** The codes and destinations of the service's outbox, plus any the test names (e.g. from mocked providers). */
export function secretsOf(s: TestService, extra: Partial<Secrets> = {}): Secrets {
  return {
    codes: [...deliveredCodes(s), ...(extra.codes ?? [])],
    destinations: [...s.outbox.messages.map((m) => m.to), ...(extra.destinations ?? [])],
  };
}

/**
 * The secrets found in `texts`, as readable findings ("code 123456 in: ..."). A code counts only as a
 * whole digit run (timestamps are longer runs); a phone number counts with or without its `+`.
 */
export function findSecrets(
  texts: readonly string[],
  secrets: Secrets,
  what: { codes: boolean; destinations: boolean },
) {
  const needles: { label: string; pattern: RegExp }[] = [];
  if (what.codes) {
    for (const code of new Set(secrets.codes)) {
      needles.push({ label: `code ${code}`, pattern: new RegExp(`(?<!\\d)${code}(?!\\d)`) });
    }
  }
  if (what.destinations) {
    for (const to of new Set(secrets.destinations)) {
      const digits = to.startsWith('+') ? to.slice(1) : undefined;
      const pattern = digits ? new RegExp(`(?<!\\d)\\+?${digits}(?!\\d)`) : new RegExp(escapeRegExp(to), 'i');
      needles.push({ label: `destination ${to}`, pattern });
    }
  }
  const findings: string[] = [];
  for (const text of texts) {
    for (const { label, pattern } of needles) {
      if (pattern.test(text)) findings.push(`${label} in ${where(text, pattern)}`);
    }
  }
  return findings;
}

/** For a stored item, the attributes that hold the secret; for a log line, the line. */
function where(text: string, pattern: RegExp): string {
  try {
    const item = JSON.parse(text) as Record<string, unknown>;
    if ('pk' in item) {
      const names = Object.keys(item).filter((name) => pattern.test(JSON.stringify(item[name])));
      return `item ${JSON.stringify(item['pk'])}, attribute(s) ${names.join(', ')}`;
    }
  } catch {}
  return `log line ${text.slice(0, 300)}`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Items whose `ttl` is already past by the real clock: DynamoDB Local deletes those at any moment, so
 * a test that wrote them could lose them mid-test. It happens when a test clock runs behind the real
 * time (see test/support/clock.ts).
 */
export function pastTtl(items: readonly Record<string, AttributeValue>[], realNow = Date.now()): string[] {
  return items
    .filter((item) => item['ttl']?.N !== undefined && Number(item['ttl'].N) * 1000 <= realNow)
    .map(
      (item) =>
        `item ${JSON.stringify(item['pk'])} has ttl ${new Date(Number(item['ttl']?.N) * 1000).toISOString()}, ` +
        `past by the real clock (${new Date(realNow).toISOString()}): DynamoDB Local deletes it`,
    );
}

/**
 * What the suite audits after every file: no log line and no stored item holds a delivered code or a
 * full destination, and no item is already due for deletion by DynamoDB Local's TTL.
 */
export async function auditService(s: TestService, extra: Partial<Secrets> = {}) {
  const secrets = secretsOf(s, extra);
  const scanned = await scanTable(s);
  const items = scanned.map((item) => JSON.stringify(item));
  return [
    ...findSecrets(s.logs, secrets, { codes: true, destinations: true }),
    ...findSecrets(items, secrets, { codes: true, destinations: true }),
    ...pastTtl(scanned),
  ];
}

/**
 * Services made through this are audited when the file ends. `remember` adds secrets the outbox did
 * not see (codes and numbers given to mocked providers).
 */
export function auditedServices() {
  const audited: { service: TestService; extra: { codes: string[]; destinations: string[] } }[] = [];
  afterAll(async () => {
    const findings: string[] = [];
    for (const { service, extra } of audited) findings.push(...(await auditService(service, extra)));
    expect(findings).toEqual([]);
  });
  return {
    async create(options: Parameters<typeof createTestService>[0] = {}) {
      const service = await createTestService(options);
      audited.push({ service, extra: { codes: [], destinations: [] } });
      return service;
    },
    remember(service: TestService, extra: Partial<Secrets>) {
      const entry = audited.find((a) => a.service === service);
      if (!entry) throw new Error('not an audited service');
      entry.extra.codes.push(...(extra.codes ?? []));
      entry.extra.destinations.push(...(extra.destinations ?? []));
    },
  };
}
