/**
 * Process helpers for the throughput benchmark: local mode in a child process of its own (so the load
 * driver does not share the server's event loop), and CPU time per process from /proc (Linux; other
 * systems report n/a), to show where a request's CPU goes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux everywhere in practice). */
const USER_HZ = 100;

/** User + system CPU seconds of a process so far, or undefined when /proc cannot tell. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** The direct children of a process whose command name is `comm` (e.g. `java`). */
export function childrenNamed(pid: number, comm: string): number[] {
  try {
    const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
    return children.filter((child) => {
      try {
        return readFileSync(`/proc/${child}/comm`, 'utf8').trim() === comm;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/** CPU seconds of several labelled processes, read together. */
export function cpuSnapshot(pids: Record<string, number | undefined>): Record<string, number | undefined> {
  return Object.fromEntries(
    Object.entries(pids).map(([label, pid]) => [label, pid === undefined ? undefined : cpuSeconds(pid)]),
  );
}

export interface LocalServer {
  url: string;
  pid: number;
  /** The DynamoDB Local (java) the server started, when /proc can tell. */
  enginePid: number | undefined;
  stop(): Promise<void>;
}

const SERVER_ENTRY = fileURLToPath(new URL('./local-server.ts', import.meta.url));

/**
 * Starts local mode (`startLocalMode`) in a child Node process with `env` added, waits for its URL.
 * The child also stops when its stdin closes, so it does not outlive this process.
 */
export async function startLocalServer(env: Record<string, string>): Promise<LocalServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  exited.catch(() => {});
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('local mode did not start within 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = /^READY (\S+)$/m.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local mode exited before it was ready (code ${code})`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child, exited);
    throw error;
  });
  const pid = child.pid!;
  return { url, pid, enginePid: childrenNamed(pid, 'java')[0], stop: () => stopChild(child, exited) };
}

/** SIGTERM (the child then stops DynamoDB Local and exits), SIGKILL if it has not exited in 15 s. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited.catch(() => {});
  clearTimeout(timer);
}
