import { DeliveryError } from '../functions/core/errors.ts';
import type { MessageSender, OutgoingMessage, Senders } from '../functions/core/ports.ts';
import { CHANNELS } from '../functions/core/verification.ts';

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
}

/**
 * Local mode's stand-in for SNS, SES and SMS-Voice: every message lands here instead of leaving the
 * machine. `failNext` lets a test or a person see how a refused delivery behaves.
 */
export class Outbox {
  readonly messages: OutboxMessage[] = [];
  #failures = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** One sender per channel, all writing to this outbox. */
  senders(): Required<Senders> {
    const sender: MessageSender = {
      send: async (message) => {
        if (this.#failures > 0) {
          this.#failures--;
          throw new DeliveryError(`${message.channel} delivery refused by the local outbox (failNext)`);
        }
        this.messages.push({
          channel: message.channel,
          to: message.to,
          body: message.body,
          ...(message.subject === undefined ? {} : { subject: message.subject }),
          ...(message.html === undefined ? {} : { html: message.html }),
          ...(message.ssml === undefined ? {} : { ssml: message.ssml }),
          verificationId: message.verificationId,
          sentAt: new Date(this.clock()).toISOString(),
        });
        return { providerMessageId: `local-${this.messages.length}` };
      },
    };
    return Object.fromEntries(CHANNELS.map((channel) => [channel, sender])) as Required<Senders>;
  }

  /** Makes the next `count` deliveries fail as a provider refusal would. */
  failNext(count = 1): void {
    this.#failures += count;
  }

  clear(): void {
    this.messages.length = 0;
  }
}
