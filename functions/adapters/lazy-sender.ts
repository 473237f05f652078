import type { MessageSender, OutgoingMessage } from '../core/ports.ts';

/**
 * A sender built on first use: a function that can send sms, email and voice pays the cold-start cost
 * of a channel's SDK client only when a request uses that channel.
 */
export function lazySender(build: () => Promise<MessageSender>): MessageSender {
  let sender: Promise<MessageSender> | undefined;
  return {
    send(message: OutgoingMessage) {
      sender ??= build().catch((error: unknown) => {
        sender = undefined; // let the next request try again
        throw error;
      });
      return sender.then((built) => built.send(message));
    },
  };
}
