/**
 * What a Notify send names for one message: the template chosen for its locale and the variables that
 * fill it. One choice, read by the deployed sender (notify-sender.ts) and by local mode's outbox
 * (local/providers.ts), so what `npm start` shows is what a deployed send would ask for. No SDK here.
 */
import type { OutgoingMessage } from '../core/ports.ts';

/**
 * The template id named for `locale` (`notify.templateIds`), or undefined: the send names none, and
 * Notify uses the configuration's default template.
 */
export function notifyTemplateFor(
  locale: string | undefined,
  templateIds: Readonly<Partial<Record<string, string>>> | undefined,
): string | undefined {
  return locale === undefined ? undefined : templateIds?.[locale];
}

/**
 * The template's variables: the code, the one variable a Notify code-verification template takes from
 * the sender (the brand is the configuration's display name, filled in by AWS).
 */
export function notifyTemplateVariables(message: OutgoingMessage): { code: string } {
  if (message.code === undefined) throw new Error('a Notify message needs its code on its own');
  // Voice: digits apart, each followed by a period, so text-to-speech reads "4. 8. 2." and not a number
  // ("four hundred eighty-two thousand"), as Notify's documentation advises.
  const code = message.channel === 'voice' ? [...message.code].map((d) => `${d}.`).join(' ') : message.code;
  return { code };
}

/** The template part of a SendNotifyTextMessage / SendNotifyVoiceMessage request. */
export function notifyRequestFor(
  message: OutgoingMessage,
  options: { templateIds?: Readonly<Partial<Record<string, string>>> | undefined },
): { TemplateId?: string; TemplateVariables: { code: string } } {
  const templateId = notifyTemplateFor(message.locale, options.templateIds);
  return {
    ...(templateId ? { TemplateId: templateId } : {}),
    TemplateVariables: notifyTemplateVariables(message),
  };
}
