/**
 * The floor with the phone-number rules (send-floor-phone-rules.ts) plus the one other thing any
 * onetime send must do before its first request: read its secret through the Parameters and Secrets
 * extension at init, with onetime's own reader (functions/adapters/secret-from-extension.ts), as every
 * function that seals a code does. Beside create and start, what is left is the engine itself:
 * validation, sealing, limits, logging (bench/peer.ts).
 */
import { readSecretFromExtension } from '../../functions/adapters/secret-from-extension.ts';
import { handler as withPhoneRules } from './send-floor-phone-rules.ts';

const secret = await readSecretFromExtension(process.env['SECRET_ARN'] ?? 'floor-secret');
if (secret.length === 0) throw new Error('the secret is empty');

export const handler = withPhoneRules;
