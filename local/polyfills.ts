/**
 * aws-local-stepfunctions (local mode's Step Functions) calls Promise.withResolvers, which Node 20
 * lacks (Node 22, the Lambda runtime, has it). The tests load the same shim from test/support.
 */
const promise = Promise as unknown as { withResolvers?: () => unknown };
promise.withResolvers ??= () => {
  let resolve!: (value: unknown) => void;
  let reject!: (reason?: unknown) => void;
  const created = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise: created, resolve, reject };
};
