/**
 * The environment check of a deployed stack: every variable the template gives a function is read by
 * that function's bundle (a bundle keeps only the variable names its code uses, functions/env.ts), so a
 * variable the construct names differently from the code is caught even where a default would hide it.
 * The variables the code must have are checked at synth already (`COLD_START_READERS`).
 */
import { readFileSync } from 'node:fs';
import type { DeployedStack } from './deployed-stack.ts';

/** Variables a function is given that its own code does not read, each with the reason. */
export const ACKNOWLEDGED_VARIABLES: ReadonlyArray<{
  name: RegExp;
  handlers?: readonly string[];
  reason: string;
}> = [
  { name: /^NODE_OPTIONS$/, reason: 'Read by Node.js itself (--enable-source-maps).' },
  {
    name: /^(PARAMETERS_SECRETS_EXTENSION_|SECRETS_MANAGER_|SSM_PARAMETER_STORE_)/,
    reason: 'Read by the AWS Parameters and Secrets Lambda Extension the function reads its secret through.',
  },
  {
    name: /^EXTRA$/,
    handlers: ['check'],
    reason: "FULL_PROPS's own functionProps example (test/support/synth.ts).",
  },
];

export function environmentProblems(stack: DeployedStack): string[] {
  return stack.functions.flatMap((fn) => {
    const code = readFileSync(stack.bundleOf(fn.handler), 'utf8');
    return Object.keys(fn.variables)
      .filter(
        (name) =>
          !new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`).test(code) &&
          !ACKNOWLEDGED_VARIABLES.some(
            (a) => a.name.test(name) && (a.handlers === undefined || a.handlers.includes(fn.handler)),
          ),
      )
      .map((name) => `${fn.handler}: the template sets ${name}, which its code never reads`);
  });
}
