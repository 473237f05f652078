/**
 * Key rotation over the wire: functions on either side of a rotation step share one table (DynamoDB
 * Local), each with its own view of the secret's value, as warm Lambda functions do while they
 * re-read it. A code sent by one checks at the other, in one UpdateItem, and a resend across the
 * rotation re-delivers the same code under the same id.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type KeyMaterial,
  parseKeyMaterial,
  promoteKey,
  stageKey,
} from '../../functions/core/key-material.ts';
import type { Sealer } from '../../functions/core/sealing.ts';
import { DEFAULT_SETTINGS } from '../../functions/core/settings.ts';
import { callApi } from '../../local/api-event.ts';
import { type ComposedApi, composeApi } from '../../local/compose.ts';
import { auditedServices } from '../support/audit.ts';
import { wrongCodeFor } from '../support/codes.ts';
import { routes, type TestService, VERIFICATIONS } from '../support/service.ts';
import { countingClient, idOf } from './helpers.ts';

const services = auditedServices();
const TO = '+14155550123';
const A = 'a'.repeat(32) + 'A'.repeat(32);
const B = 'b'.repeat(32) + 'B'.repeat(32);
const BEFORE: KeyMaterial = { current: A };
const STAGED = stageKey(BEFORE, B);
const PROMOTED = promoteKey(STAGED);

function useValue(sealer: Sealer, material: KeyMaterial) {
  const keys = parseKeyMaterial(JSON.stringify(material));
  sealer.useKeys(keys.current, keys.accepted, keys.naming);
}

/** A second function on the service's table and outbox, reading the secret's value as `material`. */
function otherFunction(s: TestService, client: DynamoDBClient, material: KeyMaterial) {
  const api: ComposedApi = composeApi({
    client,
    tableName: s.tableName,
    settings: { ...DEFAULT_SETTINGS, allowedCountries: ['*'] },
    senders: s.outbox.senders(),
    log: { info: () => {}, warn: () => {}, error: () => {} },
    clock: () => s.clock.now,
  });
  useValue(api.deps.sealer, material);
  const call = async (method: string, path: string, body?: unknown) => {
    const raw = await callApi(api, method, path, body, {});
    return { status: raw.statusCode, body: JSON.parse(raw.body) as Record<string, unknown> };
  };
  return {
    send: (body: unknown) => call('POST', VERIFICATIONS, body),
    check: (id: string, code: string) => call('POST', `${VERIFICATIONS}/${id}/check`, { code }),
  };
}

/** Service `s` reads the value as `sender`; a second function reads it as `checker`. */
async function pair(sender: KeyMaterial, checker: KeyMaterial) {
  const s = await services.create();
  useValue(s.api.deps.sealer, sender);
  const counting = countingClient();
  return {
    s,
    api: routes(s),
    other: otherFunction(s, counting.client, checker),
    counts: counting.counts,
  };
}

describe('Key rotation: a code checks on either side of each step', () => {
  it.each([
    ['sent before the stage, checked after the promote', BEFORE, PROMOTED],
    ['sent after the promote, checked where only the stage was read', PROMOTED, STAGED],
    ['sent after the stage, checked after the promote', STAGED, PROMOTED],
  ])('%s: approved, in one UpdateItem', async (_, sender, checker) => {
    const { s, api, other, counts } = await pair(sender, checker);
    const id = idOf(await api.send({ to: TO, channel: 'sms' }));
    const approved = await other.check(id, s.lastCode(TO));
    expect(approved).toMatchObject({ status: 200, body: { status: 'approved', valid: true } });
    expect(Object.fromEntries(counts)).toEqual({ UpdateItem: 1 });
  });

  it('a wrong code is still wrong, and uses one attempt', async () => {
    const { s, api, other } = await pair(BEFORE, PROMOTED);
    const id = idOf(await api.send({ to: TO, channel: 'sms' }));
    const wrong = await other.check(id, wrongCodeFor(s.lastCode(TO)));
    expect(wrong.body).toMatchObject({ status: 'pending', valid: false, attemptsRemaining: 4 });
  });

  it('without the stage, a function that has not re-read refuses the new key’s codes (why there are two steps)', async () => {
    const { s, api, other } = await pair({ current: B }, BEFORE);
    const id = idOf(await api.send({ to: TO, channel: 'sms' }));
    const refused = await other.check(id, s.lastCode(TO));
    expect(refused.body).toMatchObject({ status: 'pending', valid: false });
  });

  it('a resend across the promote re-delivers the same code under the same id, and it checks', async () => {
    const { s, api, other } = await pair(BEFORE, PROMOTED);
    const sent = await api.send({ to: TO, channel: 'sms' });
    const code = s.lastCode(TO);
    s.clock.advance(DEFAULT_SETTINGS.resendCooldownSeconds);
    const resent = await other.send({ to: TO, channel: 'sms' });
    expect(resent).toMatchObject({ status: 200, body: { id: idOf(sent) } });
    expect(s.lastCode(TO)).toBe(code);
    expect((await api.check(idOf(sent), { code })).body).toMatchObject({ status: 'approved' });
  });
});
