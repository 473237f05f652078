/**
 * The logger of every function that serves a request (the HTTP routes, the Cognito triggers, the
 * cascade's step): `JsonLog`, at the level the environment sets, as Powertools Logger
 * would read it. One instance per cold start, so `beginRequest` tags the lines of the invocation at hand.
 */
import { JsonLog, logThresholdFromEnv, writeLine } from '../adapters/json-log.ts';
import { serviceName } from './service-name.ts';

// `writeLine` named, though it is the default: `undefined` in its place is 4 bytes more in the check's
// bundle, whose budget has next to none left (test/infra/lean-hot-path.test.ts).
export const log = new JsonLog(serviceName, writeLine, logThresholdFromEnv(process.env));
