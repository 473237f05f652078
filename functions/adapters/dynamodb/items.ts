import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { RateLimitReason } from '../../core/errors.ts';
import { canonicalTransaction, type Transaction } from '../../core/transaction.ts';
import type {
  CascadeStep,
  Channel,
  StepState,
  StoredStatus,
  VerificationRecord,
} from '../../core/verification.ts';

/**
 * How a verification is laid out as a DynamoDB item (see docs/storage.md). Written by hand rather
 * than with a marshaller: the record is small and fixed, and the check bundle stays lean.
 */
export type Item = Record<string, AttributeValue>;

/** Closed verifications stay readable (GET answers "expired", "approved"...) for a day, then TTL removes them. */
export const KEEP_AFTER_EXPIRY_SECONDS = 24 * 3600;

export const verificationKey = (destinationKey: string): Item => ({ pk: { S: `v#${destinationKey}` } });

export function toItem(record: VerificationRecord): Item {
  const item: Item = {
    ...verificationKey(record.destinationKey),
    id: { S: record.id },
    sealedTo: { S: record.sealedTo },
    maskedTo: { S: record.maskedTo },
    channel: { S: record.channel },
    status: { S: record.status },
    codeMac: { S: record.codeMac },
    [codeMarkerName(record.codeMac)]: CODE_MARKER_VALUE,
    sealedCode: { S: record.sealedCode },
    codeLength: { N: String(record.codeLength) },
    locale: { S: record.locale },
    createdAt: { N: String(record.createdAt) },
    expiresAt: { N: String(record.expiresAt) },
    lastSentAt: { N: String(record.lastSentAt) },
    attempts: { N: String(record.attempts) },
    maxAttempts: { N: String(record.maxAttempts) },
    sends: { N: String(record.sends) },
    ttl: { N: String(Math.ceil(record.expiresAt / 1000) + KEEP_AFTER_EXPIRY_SECONDS) },
  };
  if (record.country !== undefined) item['country'] = { S: record.country };
  if (record.cascade !== undefined) item['cascade'] = { L: record.cascade.map(stepToItem) };
  if (record.deviceIpKey !== undefined) item['deviceIpKey'] = { S: record.deviceIpKey };
  // Stored in the canonical form the MAC covers: the send's condition compares it as it stands.
  if (record.transaction !== undefined) item['transaction'] = { S: canonicalTransaction(record.transaction) };
  if (record.approvedAt !== undefined) item['approvedAt'] = { N: String(record.approvedAt) };
  if (record.lastGuessAt !== undefined) item['lastGuessAt'] = { N: String(record.lastGuessAt) };
  if (record.closedAt !== undefined) item['closedAt'] = { N: String(record.closedAt) };
  if (record.delivery !== undefined) item['delivery'] = { S: record.delivery };
  if (record.deliveryAt !== undefined) item['deliveryAt'] = { N: String(record.deliveryAt) };
  if (record.deliverySentAt !== undefined) item['deliverySentAt'] = { N: String(record.deliverySentAt) };
  if (record.feedbackMessageId !== undefined) item['feedbackMessageId'] = { S: record.feedbackMessageId };
  return item;
}

/** The verification an item holds, its cascade included (GET, the cascade, the activity stream). */
export function fromItem(item: Item): VerificationRecord {
  const record = fromItemWithoutCascade(item);
  const cascade = item['cascade']?.L;
  if (cascade !== undefined) record.cascade = cascade.map((step) => stepFromItem(step.M ?? {}));
  const deviceIpKey = item['deviceIpKey']?.S;
  if (deviceIpKey !== undefined) record.deviceIpKey = deviceIpKey;
  return record;
}

/**
 * The verification without its cascade steps: what the check and cancel answer from (they show no
 * steps), so the check's bundle carries none of the steps' reading.
 */
export function fromItemWithoutCascade(item: Item): VerificationRecord {
  const s = (name: string) => {
    const value = item[name]?.S;
    if (value === undefined) throw new Error(`verification item lacks ${name}`);
    return value;
  };
  const n = (name: string) => Number(item[name]?.N ?? Number.NaN);
  const pk = s('pk');
  const record: VerificationRecord = {
    id: s('id'),
    destinationKey: pk.slice(2),
    sealedTo: s('sealedTo'),
    maskedTo: s('maskedTo'),
    channel: s('channel') as Channel,
    status: s('status') as StoredStatus,
    codeMac: s('codeMac'),
    sealedCode: s('sealedCode'),
    codeLength: n('codeLength'),
    locale: s('locale'),
    createdAt: n('createdAt'),
    expiresAt: n('expiresAt'),
    lastSentAt: n('lastSentAt'),
    attempts: n('attempts'),
    maxAttempts: n('maxAttempts'),
    sends: n('sends'),
  };
  // The check's one write counts every guess and sets `status` from the code marker (check-store.ts),
  // so an approval written that way has counted the approving guess too: `attempts` answers the wrong
  // ones, and the approval's time is the guess's.
  if (record.status === 'approved' && item['lastGuessAt']?.N !== undefined) {
    record.attempts -= 1;
    record.approvedAt = n('lastGuessAt');
  }
  const country = item['country']?.S;
  if (country !== undefined) record.country = country;
  const cascadeError = item['cascadeError']?.S;
  if (cascadeError !== undefined) record.cascadeError = cascadeError;
  const transaction = item['transaction']?.S;
  if (transaction !== undefined) record.transaction = JSON.parse(transaction) as Transaction;
  if (item['approvedAt']?.N !== undefined) record.approvedAt = n('approvedAt');
  if (item['lastGuessAt']?.N !== undefined) record.lastGuessAt = n('lastGuessAt');
  if (item['closedAt']?.N !== undefined) record.closedAt = n('closedAt');
  const delivery = item['delivery']?.S;
  if (delivery === 'delivered' || delivery === 'failed') record.delivery = delivery;
  if (item['deliveryAt']?.N !== undefined) record.deliveryAt = n('deliveryAt');
  if (item['deliverySentAt']?.N !== undefined) record.deliverySentAt = n('deliverySentAt');
  const feedbackMessageId = item['feedbackMessageId']?.S;
  if (feedbackMessageId !== undefined) record.feedbackMessageId = feedbackMessageId;
  return record;
}

/**
 * A cascade step as a map in the item's `cascade` list; the workflow's writes address its fields by
 * index (`cascade[1].state`). A step to a destination of its own carries it sealed, keyed and masked.
 */
function stepToItem(step: CascadeStep): AttributeValue {
  const item: Item = {
    channel: { S: step.channel },
    afterSeconds: { N: String(step.afterSeconds) },
    state: { S: step.state },
  };
  if (step.destination !== undefined) {
    item['destinationKey'] = { S: step.destination.key };
    item['sealedTo'] = { S: step.destination.sealedTo };
    item['maskedTo'] = { S: step.destination.maskedTo };
  }
  if (step.at !== undefined) item['at'] = { N: String(step.at) };
  if (step.reason !== undefined) item['reason'] = { S: step.reason };
  return { M: item };
}

function stepFromItem(item: Item): CascadeStep {
  const step: CascadeStep = {
    channel: item['channel']?.S as Channel,
    afterSeconds: Number(item['afterSeconds']?.N),
    state: item['state']?.S as StepState,
  };
  const key = item['destinationKey']?.S;
  const sealedTo = item['sealedTo']?.S;
  const maskedTo = item['maskedTo']?.S;
  if (key !== undefined && sealedTo !== undefined && maskedTo !== undefined) {
    step.destination = { key, sealedTo, maskedTo };
  }
  if (item['at']?.N !== undefined) step.at = Number(item['at'].N);
  const reason = item['reason']?.S;
  if (reason !== undefined) step.reason = reason as RateLimitReason;
  return step;
}

/**
 * The code marker: an attribute *named* after the code's MAC, whose value is the status a right guess
 * sets. A check's update reads it with `if_not_exists(<marker of the guess>, :pending)`, so the right
 * guess approves and a wrong one leaves the status as it was, in the same write that counts the guess.
 */
export const codeMarkerName = (codeMac: string) => `m_${codeMac}`;
export const CODE_MARKER_VALUE = { S: 'approved' } as const;
export const hasCodeMarker = (item: Item) => Object.keys(item).some((name) => name.startsWith('m_'));

/** Names for attributes that are DynamoDB reserved words, and the ones every condition uses. */
export const NAMES = {
  '#id': 'id',
  '#status': 'status',
  '#expiresAt': 'expiresAt',
  '#attempts': 'attempts',
  '#maxAttempts': 'maxAttempts',
};

/** The condition "this id, still pending, not expired, attempts left", shared by every write to a live one. */
export const LIVE_CONDITION =
  '#id = :id AND #status = :pending AND #expiresAt > :now AND #attempts < #maxAttempts';

export const liveValues = (id: string, now: number): Item => ({
  ':id': { S: id },
  ':pending': { S: 'pending' },
  ':now': { N: String(now) },
});
