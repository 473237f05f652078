import type { FeedbackOutcome, MessageFeedback } from '../functions/activity/ports.ts';
import { DeliveryError } from '../functions/core/errors.ts';
import type { MessageSender, OutgoingMessage, Senders } from '../functions/core/ports.ts';
import { CHANNELS } from '../functions/core/verification.ts';
import { asksForFeedback, type DeployedSend, type Provider, type SendDescription } from './providers.ts';

/** A message as local mode keeps it: what the person would have received. */
export interface OutboxMessage {
  channel: OutgoingMessage['channel'];
  /** Full destination: the outbox is the one place it is shown, on the developer's own machine. */
  to: string;
  body: string;
  subject?: string;
  html?: string;
  ssml?: string;
  verificationId: string;
  sentAt: string;
  /** Who a deployed send would go through, and what it would name (local/providers.ts). */
  provider?: Provider;
  deployedSend?: DeployedSend;
  /** The body is our rendering of a provider's own template (Notify), not its exact wording. */
  approximateBody?: true;
  /**
   * A send that asks for conversion feedback (End User Messaging, Notify): the message id the
   * verification records, and when the activity stream reported it received (the code was approved),
   * as a deployed stream calls `PutMessageFeedback`.
   */
  feedback?: { messageId: string; receivedAt?: string };
}

/**
 * Local mode's stand-in for SNS, SES and SMS-Voice: every message lands here instead of leaving the
 * machine. `failNext` lets a test or a person see how a refused delivery behaves. It also stands in for
 * `PutMessageFeedback`: the activity stream's report marks the message received.
 */
export class Outbox implements MessageFeedback {
  readonly messages: OutboxMessage[] = [];
  #failures = 0;

  constructor(
    private readonly clock: () => number = Date.now,
    /** What a deployed send of each message would be; Notify's messages also get its template's text. */
    private readonly describe?: (message: OutgoingMessage) => SendDescription,
  ) {}

  /** One sender per channel, all writing to this outbox. */
  senders(): Required<Senders> {
    const sender: MessageSender = {
      send: async (message) => {
        if (this.#failures > 0) {
          this.#failures--;
          throw new DeliveryError(`${message.channel} delivery refused by the local outbox (failNext)`);
        }
        const send = this.describe?.(message);
        const providerMessageId = `local-${this.messages.length + 1}`;
        const feedback = send !== undefined && asksForFeedback(send.deployedSend);
        this.messages.push({
          channel: message.channel,
          to: message.to,
          body: send?.body ?? message.body,
          ...(message.subject === undefined ? {} : { subject: message.subject }),
          ...(message.html === undefined ? {} : { html: message.html }),
          // Notify reads its own template: our SSML is not what the person hears.
          ...(message.ssml === undefined || send?.body !== undefined ? {} : { ssml: message.ssml }),
          verificationId: message.verificationId,
          sentAt: new Date(this.clock()).toISOString(),
          ...(send ? { provider: send.provider, deployedSend: send.deployedSend } : {}),
          ...(send?.approximate ? { approximateBody: true as const } : {}),
          ...(feedback ? { feedback: { messageId: providerMessageId } } : {}),
        });
        return feedback ? { providerMessageId, feedback: true } : { providerMessageId };
      },
    };
    return Object.fromEntries(CHANNELS.map((channel) => [channel, sender])) as Required<Senders>;
  }

  /** The activity stream's report that a message converted (`PutMessageFeedback` RECEIVED). */
  async received(messageId: string): Promise<FeedbackOutcome> {
    const message = this.messages.find((m) => m.feedback?.messageId === messageId);
    if (message?.feedback === undefined) return 'unknown_message';
    message.feedback.receivedAt = new Date(this.clock()).toISOString();
    return 'reported';
  }

  /** Makes the next `count` deliveries fail as a provider refusal would. */
  failNext(count = 1): void {
    this.#failures += count;
  }

  clear(): void {
    this.messages.length = 0;
  }
}
