/** The two calls an end-to-end test makes against a running local mode: POST JSON, and read the outbox. */
import type { OutboxMessage } from '../../local/outbox.ts';

/** A message as `GET /_local/outbox` shows it. */
export interface OutboxEntry {
  channel: OutboxMessage['channel'];
  to: string;
  body: string;
  subject?: string;
  verificationId: string;
  sentAt: string;
  provider?: OutboxMessage['provider'];
  deployedSend?: OutboxMessage['deployedSend'];
  approximateBody?: true;
  feedback?: OutboxMessage['feedback'];
}

export function localClient(base: () => string) {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const outbox = async () =>
    ((await (await fetch(`${base()}/_local/outbox`)).json()) as { messages: OutboxEntry[] }).messages;
  return { post, outbox };
}
