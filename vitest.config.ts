import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Shared by both projects (`extends: true` below).
    setupFiles: ['test/support/polyfills.ts', 'test/support/fast-check.ts'],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // CI reads the pass/fail counts from the JSON report of the whole run, both projects (see .ci/run).
    reporters: process.env['CI'] ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/.results.json' },
    projects: [
      {
        // `npm run test:unit`: no DynamoDB Local, no Java, no CDK synth, no child processes of local mode.
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        // Everything else: DynamoDB Local, CDK synth, the workflow, local mode, the README's session.
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          // One DynamoDB Local for the project; each test file makes its own tables.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
