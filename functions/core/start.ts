import { cascadeFor, newCascadeSteps } from './cascade.ts';
import { generateCode } from './codes.ts';
import type { SendDeps } from './deps.ts';
import { parseDestination } from './destination.ts';
import { deviceIpBucket } from './device-ip.ts';
import { DeliveryError, describeError, EngineError, invalidRequest, type ProviderLimit } from './errors.ts';
import { recordFeedbackMessage } from './feedback.ts';
import { newVerificationId } from './ids.ts';
import { sendLimits } from './limits.ts';
import { maskDestination } from './masking.ts';
import { resolveLocale, verificationMessage } from './messages.ts';
import type { SendRejection, SentMessage } from './ports.ts';
import { canonicalTransaction, type Transaction } from './transaction.ts';
import type { CascadeStepRequest, Channel, VerificationRecord } from './verification.ts';
import { sendView } from './views.ts';

export interface StartRequest {
  to: string;
  channel: Channel;
  locale?: string | undefined;
  voiceFallback?: boolean | undefined;
  /** The steps that follow the first send (functions/core/cascade.ts). */
  cascade?: CascadeStepRequest[] | undefined;
  deviceIp?: string | undefined;
  /** The payment the code approves (normalised by the request schema); bound into the code's MAC. */
  transaction?: Transaction | undefined;
}

export interface StartResult {
  /** 201 for a new verification, 200 for a resend of the pending one. */
  statusCode: 201 | 200;
  body: ReturnType<typeof sendView>;
  record: VerificationRecord;
}

/**
 * Starts a verification, or re-delivers the pending one to the same destination (same id, same code,
 * expiry unchanged). One store write decides which, and enforces cooldown and limits; then the
 * channel is called once.
 */
export async function startVerification(deps: SendDeps, request: StartRequest): Promise<StartResult> {
  const { settings, sealer, store, clock, log } = deps;
  const sender = deps.senders[request.channel];
  if (!sender) throw invalidRequest(`The ${request.channel} channel is not configured.`, 'channel');

  const destination = parseDestination(
    request.channel,
    request.to,
    settings.allowedCountries,
    settings.pushPlatformApplications,
  );
  // A step needs its channel and the workflow that places it.
  const steps = cascadeFor(
    request,
    settings,
    (channel) => deps.cascade !== undefined && !!deps.senders[channel],
  );
  const destinationKey = sealer.destinationKey(destination.canonical);
  const now = clock();
  const id = newVerificationId(destinationKey);
  const code = generateCode(settings.codeLength, settings.codeAlphabet);

  const record: VerificationRecord = {
    id,
    destinationKey,
    sealedTo: sealer.sealDestination(id, destination.to),
    maskedTo: maskDestination(destination.to),
    channel: request.channel,
    ...(destination.country === undefined ? {} : { country: destination.country }),
    status: 'pending',
    codeMac: sealer.mac(id, code, request.transaction && canonicalTransaction(request.transaction)),
    sealedCode: sealer.seal(id, code),
    ...(request.transaction === undefined ? {} : { transaction: request.transaction }),
    codeLength: settings.codeLength,
    locale: resolveLocale(request.locale ?? settings.defaultLocale, settings.defaultLocale),
    createdAt: now,
    expiresAt: now + settings.ttlSeconds * 1000,
    lastSentAt: now,
    attempts: 0,
    maxAttempts: settings.maxAttempts,
    sends: 1,
    ...(steps.length === 0 ? {} : { cascade: newCascadeSteps(steps, id, sealer, settings) }),
  };
  const deviceIpKey =
    request.deviceIp === undefined ? undefined : sealer.deviceIpKey(deviceIpBucket(request.deviceIp));
  // Kept with the steps, which count under the device's hourly limit too.
  if (deviceIpKey !== undefined && record.cascade !== undefined) record.deviceIpKey = deviceIpKey;
  const limits = sendLimits(settings, request.channel, deviceIpKey);

  const outcome = await store.startOrResend({ record, limits }, now);
  if (outcome.kind === 'rejected') throw rateLimited(outcome.rejection, request.channel, destination.to, log);

  const stored = outcome.record;
  // A resend re-delivers the code sealed at creation; a new verification delivers the fresh one.
  const plainCode = outcome.kind === 'created' ? code : sealer.open(stored.id, stored.sealedCode);
  const message = verificationMessage(
    stored,
    settings,
    // In the stored locale, with the stored payment: a resend shows the payment the code was sent for
    // (the request may name none). It names the same destination (its keyed hash found the
    // verification): no need to open it.
    { channel: request.channel, to: destination.to, maskedTo: stored.maskedTo, code: plainCode },
    now,
  );

  const firstStep = stored.cascade?.[0];
  // A new verification whose channel refuses the first message moves on to its cascade at once.
  const movesOn = outcome.kind === 'created' && firstStep !== undefined && deps.cascade !== undefined;
  let refused = false;
  let providerLimit: ProviderLimit | undefined;
  let sent: SentMessage | undefined;
  try {
    sent = await sender.send(message);
  } catch (error) {
    if (error instanceof DeliveryError) providerLimit = error.providerLimit;
    log.warn('delivery failed', {
      verificationId: stored.id,
      channel: request.channel,
      to: stored.maskedTo,
      reason: error instanceof DeliveryError ? error.message : 'unexpected error',
      ...(movesOn ? { cascade: 'moves on at once' } : {}),
    });
    refused = true;
    if (movesOn) await store.recordFailedFirstSend(stored.id, clock());
    // A refused resend closes nothing: the code it repeats reached the person before (or a step did).
    else if (outcome.kind === 'created') await store.markDeliveryFailed(stored.id, clock());
  }
  if (refused && !movesOn && providerLimit) throw providerLimited(providerLimit, request.channel);
  if (refused && !movesOn) {
    throw new EngineError(
      502,
      'delivery_failed',
      `The ${request.channel} provider did not accept the message.`,
    );
  }

  if (!refused) {
    log.info(outcome.kind === 'created' ? 'verification sent' : 'verification resent', {
      verificationId: stored.id,
      channel: request.channel,
      to: stored.maskedTo,
      country: destination.country,
    });
  }

  // Conversion feedback's message id, beside the cascade's scheduling (never fails, bounded wait).
  const feedbackRecorded = refused
    ? undefined
    : recordFeedbackMessage(deps, { ...stored, channel: request.channel }, now, sent);
  if (movesOn) {
    try {
      await deps.cascade!.schedule(stored.id, refused ? 0 : firstStep.afterSeconds);
    } catch (error) {
      // The code is out; a missing follow-up must not turn a delivered code into an error.
      log.error('cascade was not scheduled', { verificationId: stored.id, ...describeError(error) });
    }
  }
  await feedbackRecorded;

  return {
    statusCode: outcome.kind === 'created' ? 201 : 200,
    body: {
      ...sendView(stored, now, settings.resendCooldownSeconds),
      // The first channel refused the message: the code comes by the cascade's first step, now.
      ...(refused ? { delivery: 'failed' as const } : {}),
    },
    record: refused
      ? { ...stored, delivery: 'failed', deliveryAt: now, deliverySentAt: stored.createdAt }
      : stored,
  };
}

const REJECTION_MESSAGES: Record<SendRejection['kind'], string> = {
  cooldown: 'A code was just sent to this destination; wait before asking again.',
  destination_limit: 'Too many codes were sent to this destination; try again later.',
  ip_limit: 'Too many codes were requested from this device; try again later.',
  spend_limit: 'The service is sending too many phone messages right now; try again later, or use email.',
};

function rateLimited(
  rejection: SendRejection,
  channel: Channel,
  to: string,
  log: SendDeps['log'],
): EngineError {
  log.warn('send rate limited', { reason: rejection.kind, channel, to: maskDestination(to) });
  return new EngineError(429, 'rate_limited', REJECTION_MESSAGES[rejection.kind], {
    reason: rejection.kind,
    retryAfterSeconds: Math.max(1, Math.ceil(rejection.retryAfterSeconds)),
  });
}

/** The provider's own limit, stated as such: a 429 that lifts by itself, or a 503 someone must lift. */
function providerLimited(limit: ProviderLimit, channel: Channel): EngineError {
  const retryAfterSeconds = Math.max(1, Math.ceil(limit.retryAfterSeconds));
  if (limit.statusCode === 429) {
    return new EngineError(429, 'rate_limited', REJECTION_MESSAGES.spend_limit, {
      reason: 'spend_limit',
      retryAfterSeconds,
    });
  }
  return new EngineError(
    503,
    'provider_unavailable',
    `The ${channel} provider refuses messages until its limit is raised; try again later, or use email.`,
    { retryAfterSeconds },
  );
}
