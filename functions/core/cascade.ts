/**
 * The cascade: the steps that follow a verification's first send, each re-delivering the same code
 * on a channel (and, optionally, to a destination of its own) some seconds after the send before it.
 * `voiceFallback` is its shorthand: one voice step after the fallback wait. See docs/cascade.md.
 *
 * This module holds the rules: which steps a start request gets (validated), and when each is due.
 * Placing a step is in cascade-step.ts; the workflow that runs them is infra/cascade-workflow.ts.
 */
import { parseDestination } from './destination.ts';
import { EngineError, invalidRequest } from './errors.ts';
import { maskDestination } from './masking.ts';
import type { Sealer } from './sealing.ts';
import type { Settings } from './settings.ts';
import {
  type CascadeStep,
  type CascadeStepRequest,
  CHANNELS,
  type Channel,
  type VerificationRecord,
} from './verification.ts';

/** At most this many steps follow the first send (Vonage's workflows: three messages in all). */
export const MAX_CASCADE_STEPS = 3;
/** The longest wait before one step; the waits together must also end before the code expires. */
export const MAX_STEP_WAIT_SECONDS = 3_600;

/**
 * The steps a new verification gets, or none. The request's own `cascade` (strictly validated) wins;
 * then `voiceFallback` (true: one voice step after the fallback wait; false: none); then the default
 * (`settings.defaultCascade`, else the voice fallback for sms when voice is on), of which only the
 * steps that fit this request are kept (a voice step cannot follow an email).
 *
 * `available(channel)` says whether a channel can be used by a step (configured, with the workflow).
 */
export function cascadeFor(
  request: {
    channel: Channel;
    to: string;
    cascade?: readonly CascadeStepRequest[] | undefined;
    voiceFallback?: boolean | undefined;
  },
  settings: Settings,
  available: (channel: Channel) => boolean,
): CascadeStepRequest[] {
  if (request.cascade !== undefined) {
    if (request.voiceFallback !== undefined) {
      throw invalidRequest('Send either `cascade` or `voiceFallback`, not both.', 'voiceFallback');
    }
    validateCascade(request.cascade, request, settings, available, 'cascade');
    return [...request.cascade];
  }
  const fallback: CascadeStepRequest[] = [{ channel: 'voice', afterSeconds: settings.voiceFallbackSeconds }];
  if (request.voiceFallback === true) {
    if (request.channel !== 'sms') throw invalidRequest('`voiceFallback` follows an sms.', 'voiceFallback');
    if (!available('voice')) throw invalidRequest('The voice fallback is not configured.', 'voiceFallback');
    return fallback;
  }
  if (request.voiceFallback === false) return [];
  const defaults = settings.defaultCascade ?? (request.channel === 'sms' ? fallback : []);
  return fitting(defaults, request, settings, available);
}

/** The default steps that this request can take, in order, within the code's validity. */
function fitting(
  steps: readonly CascadeStepRequest[],
  request: { channel: Channel; to: string },
  settings: Settings,
  available: (channel: Channel) => boolean,
): CascadeStepRequest[] {
  const kept: CascadeStepRequest[] = [];
  for (const step of steps) {
    try {
      validateCascade([...kept, step], request, settings, available, 'cascade');
      kept.push(step);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
    }
  }
  return kept;
}

/**
 * The rules every cascade keeps, with `field` naming where a request went wrong: at most
 * MAX_CASCADE_STEPS, each channel available, each destination valid for its channel (and allowed), the
 * waits whole seconds that end before the code expires.
 */
export function validateCascade(
  steps: readonly CascadeStepRequest[],
  request: { to: string; channel: Channel },
  settings: Settings,
  available: (channel: Channel) => boolean,
  field: string,
): void {
  if (steps.length > MAX_CASCADE_STEPS) {
    throw invalidRequest(`\`${field}\` has at most ${MAX_CASCADE_STEPS} steps.`, field);
  }
  let total = 0;
  // The channel and destination of the message before each step (first: the request's, parsed already).
  let previous = `${request.channel} ${
    parseDestination(
      request.channel,
      request.to,
      settings.allowedCountries,
      settings.pushPlatformApplications,
    ).canonical
  }`;
  steps.forEach((step, index) => {
    const at = `${field}[${index}]`;
    if (!available(step.channel)) {
      throw invalidRequest(`The ${step.channel} channel is not configured for a cascade.`, `${at}.channel`);
    }
    if (
      !Number.isInteger(step.afterSeconds) ||
      step.afterSeconds < 1 ||
      step.afterSeconds > MAX_STEP_WAIT_SECONDS
    ) {
      throw invalidRequest(
        `\`${at}.afterSeconds\` must be a whole number of seconds from 1 to ${MAX_STEP_WAIT_SECONDS}.`,
        `${at}.afterSeconds`,
      );
    }
    total += step.afterSeconds;
    if (total >= settings.ttlSeconds) {
      throw invalidRequest(
        `The cascade's waits add up to ${total} s by \`${at}\`: every step must be sent while the code is valid (${settings.ttlSeconds} s).`,
        `${at}.afterSeconds`,
      );
    }
    let destination: string;
    try {
      destination = parseDestination(
        step.channel,
        step.to ?? request.to,
        settings.allowedCountries,
        settings.pushPlatformApplications,
      ).canonical;
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      const where = step.to === undefined ? 'to' : `${at}.to`;
      // The same error (`invalid_request`, `country_not_allowed`), naming the step's field.
      throw new EngineError(
        error.statusCode,
        error.code,
        `${error.message.replace('`to`', `\`${where}\``)} (${at} is ${step.channel})`,
        { field: where },
      );
    }
    // A step repeating the message before it (same channel, same destination) waits out the resend
    // cooldown, as a person's resend would: no burst of identical messages.
    if (`${step.channel} ${destination}` === previous && step.afterSeconds < settings.resendCooldownSeconds) {
      throw invalidRequest(
        `\`${at}.afterSeconds\` must be at least the resend cooldown (${settings.resendCooldownSeconds} s): it repeats the message before it.`,
        `${at}.afterSeconds`,
      );
    }
    previous = `${step.channel} ${destination}`;
  });
}

/** The stored steps of a new verification `id`: a step's own destination is sealed and keyed now. */
export function newCascadeSteps(
  steps: readonly CascadeStepRequest[],
  id: string,
  sealer: Pick<Sealer, 'destinationKey' | 'sealDestination'>,
  settings: Pick<Settings, 'allowedCountries' | 'pushPlatformApplications'>,
): CascadeStep[] {
  return steps.map((step) => {
    const stored: CascadeStep = { channel: step.channel, afterSeconds: step.afterSeconds, state: 'waiting' };
    if (step.to !== undefined) {
      const destination = parseDestination(
        step.channel,
        step.to,
        settings.allowedCountries,
        settings.pushPlatformApplications,
      );
      stored.destination = {
        key: sealer.destinationKey(destination.canonical),
        sealedTo: sealer.sealDestination(id, destination.to),
        maskedTo: maskDestination(destination.to),
      };
    }
    return stored;
  });
}

/** What the workflow does next for a verification's cascade. */
export type NextStep =
  | { kind: 'done' }
  /** Step `index` is due now (or overdue). */
  | { kind: 'due'; index: number }
  /** Step `index` is due in `seconds`. */
  | { kind: 'wait'; index: number; seconds: number };

/**
 * The next step to place at `now`: the first `waiting` one. It is due `afterSeconds` after the send
 * before it (the first send at `createdAt`, or the previous step once claimed); a previous send that
 * failed or was skipped sent nothing, so the next one is due at once. So is the first step when the
 * message before it is known to have failed: refused by the channel at the start, or a failed receipt.
 */
export function nextStep(
  record: Pick<VerificationRecord, 'cascade' | 'createdAt' | 'delivery' | 'deliveryAt'>,
  now: number,
): NextStep {
  const steps = record.cascade ?? [];
  const index = steps.findIndex((step) => step.state === 'waiting');
  if (index < 0) return { kind: 'done' };
  const previous = steps[index - 1];
  const step = steps[index]!;
  let dueAt: number;
  if (previous === undefined && record.delivery === 'failed') dueAt = record.deliveryAt ?? record.createdAt;
  else if (previous === undefined) dueAt = record.createdAt + step.afterSeconds * 1000;
  else if (previous.state === 'failed' || previous.state === 'skipped') dueAt = previous.at ?? now;
  else dueAt = (previous.at ?? record.createdAt) + step.afterSeconds * 1000;
  // Within a second counts as due: Step Functions' waits are whole seconds and never early by more.
  const seconds = Math.ceil((dueAt - now) / 1000);
  return seconds <= 0 ? { kind: 'due', index } : { kind: 'wait', index, seconds };
}

/**
 * A default cascade from configuration (`OTP_CASCADE`, the construct's `defaultCascade`): the shape is
 * checked here, once at start-up; whether each step fits a request is decided per request.
 */
export function checkCascadeSetting(value: unknown, name: string): CascadeStepRequest[] {
  const fail = (why: string) => new Error(`${name} ${why}; expected [{"channel", "to"?, "afterSeconds"}]`);
  if (!Array.isArray(value)) throw fail('is not a JSON array');
  if (value.length > MAX_CASCADE_STEPS) throw fail(`has more than ${MAX_CASCADE_STEPS} steps`);
  return value.map((step: unknown, index) => {
    const { channel, to, afterSeconds } = (step ?? {}) as Record<string, unknown>;
    // A default step with a destination of its own would send every person's code to that one place.
    if (to !== undefined)
      throw fail(`[${index}] names a \`to\`: a default step goes to each request's own destination`);
    if (!(CHANNELS as readonly unknown[]).includes(channel))
      throw fail(`[${index}].channel is not one of ${CHANNELS.join(', ')}`);
    if (to !== undefined && typeof to !== 'string') throw fail(`[${index}].to is not a string`);
    if (
      !Number.isInteger(afterSeconds) ||
      (afterSeconds as number) < 1 ||
      (afterSeconds as number) > MAX_STEP_WAIT_SECONDS
    ) {
      throw fail(`[${index}].afterSeconds is not a whole number from 1 to ${MAX_STEP_WAIT_SECONDS}`);
    }
    return {
      channel: channel as Channel,
      afterSeconds: afterSeconds as number,
      ...(to === undefined ? {} : { to }),
    };
  });
}
