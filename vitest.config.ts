import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; each test file makes its own tables.
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/polyfills.ts', 'test/support/fast-check.ts'],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    // CI reads the pass/fail counts from the JSON report (see .ci/run).
    reporters: process.env['CI'] ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/.results.json' },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
