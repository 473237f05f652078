/**
 * Local mode for the throughput benchmark, in a process of its own: `startLocalMode` with the
 * settings of this process's environment, silent, on a free port. Prints `READY <url>` once it
 * answers; stops (and stops DynamoDB Local) on SIGTERM, SIGINT, or when stdin closes, i.e. when the
 * benchmark that started it is gone.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const { startLocalMode } = await import('../local/server.ts');

let local: Awaited<ReturnType<typeof startLocalMode>>;
try {
  local = await startLocalMode({ port: 0, env: process.env, quiet: true });
} catch (error) {
  console.error('bench: local mode did not start:', error);
  process.exit(1);
}

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  local.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('bench: local mode did not stop cleanly:', error);
      process.exit(1);
    },
  );
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.stdout.write(`READY ${local.url}\n`);
