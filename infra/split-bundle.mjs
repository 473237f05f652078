/**
 * A function's bundle with code splitting, run by NodejsFunction's afterBundling hook
 * (`splitIntoChunks` in otp-function.ts): the argument is `esbuildOptions` for the entry and the asset
 * directory, as base64 JSON.
 */
import { build } from 'esbuild';

const options = JSON.parse(Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8'));
await build({ ...options, logLevel: 'error' });
