import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDeliveryStore } from '../functions/adapters/dynamodb/delivery-store.ts';
import { type DeliveryDeps, recordDelivery } from '../functions/core/delivery.ts';
import type { EngineDeps } from '../functions/core/deps.ts';
import type { Log, MessageSender, Senders } from '../functions/core/ports.ts';

/**
 * Local mode's delivery receipts. The outbox "delivers" every message it takes, so each message that
 * lands there is recorded as `delivered` (and each one `failNext()` refuses as `failed`) through the
 * same core function and store part as the deployed receipts function: `GET` then shows
 * `delivery: "delivered"` as it would once a provider's receipt arrived.
 *
 * The senders are wrapped before the API is composed; `attach` hands over the API's sealer and clock
 * (the sealer is made by `composeApi`), like `LocalCascade.attach`.
 */
export class LocalDeliveryReceipts {
  readonly #store: DynamoDeliveryStore;
  readonly #log: Log;
  #deps: (DeliveryDeps & Pick<EngineDeps, 'clock'>) | undefined;

  constructor(options: { client: DynamoDBClient; tableName: string; log: Log }) {
    this.#store = new DynamoDeliveryStore({ client: options.client, tableName: options.tableName });
    this.#log = options.log;
  }

  attach(deps: Pick<EngineDeps, 'sealer' | 'clock'>): this {
    this.#deps = { store: this.#store, sealer: deps.sealer, log: this.#log, clock: deps.clock };
    return this;
  }

  /** The same senders, each recording a receipt once its message is taken (or refused). */
  wrap<S extends Senders>(senders: S): S {
    const wrapped: Senders = {};
    for (const [channel, sender] of Object.entries(senders) as Array<[keyof Senders, MessageSender]>) {
      wrapped[channel] = {
        send: async (message) => {
          let answer: Awaited<ReturnType<MessageSender['send']>>;
          try {
            answer = await sender.send(message);
          } catch (error) {
            await this.#record(message.channel, message.to, 'failed');
            throw error;
          }
          await this.#record(message.channel, message.to, 'delivered');
          return answer;
        },
      };
    }
    return wrapped as S;
  }

  async #record(channel: keyof Senders, to: string, outcome: 'delivered' | 'failed'): Promise<void> {
    const deps = this.#deps;
    if (!deps) {
      this.#log.warn(
        'local delivery receipt not recorded: LocalDeliveryReceipts.attach(deps) was not called',
      );
      return;
    }
    const now = deps.clock();
    try {
      await recordDelivery(deps, { channel, destination: to, outcome, sentAt: now, at: now });
    } catch (error) {
      // A receipt is a report, never a reason for a send to fail.
      this.#log.error('local delivery receipt not recorded', {
        channel,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
