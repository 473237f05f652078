// Moved to test/support/extension-stub.ts; this re-export remains only for bench/bundles.ts, which
// imports it from here. Point that import at test/support/ and delete this file.
export * from '../support/extension-stub.ts';
