// The same shim local mode loads (aws-local-stepfunctions needs Promise.withResolvers on Node 20).
import '../../local/polyfills.ts';
