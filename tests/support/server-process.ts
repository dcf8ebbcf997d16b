/** The real server in a process of its own, as `npm start` (index.ts) or `npm run start:cluster` (cluster.ts) runs it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { onTestFailed } from 'vitest';

/**
 * Starts the server on `port` with these environment variables. `onOutput` reads what it
 * writes, stdout and stderr (its log, with LOG_LEVEL set); without it, its stderr is the test's.
 */
export function spawnServer(port: number, env: Record<string, string>, main = 'server/src/index.ts', onOutput?: (text: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', onOutput ? 'pipe' : 'inherit'],
  });
  if (onOutput) for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
  return child;
}

/** Starts the server as `spawnServer` does; resolves once it is listening. */
export function startProcess(port: number, env: Record<string, string>, main = 'server/src/index.ts', onOutput?: (text: string) => void): Promise<ChildProcess> {
  const child = spawnServer(port, env, main, onOutput);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('toy-paxos classroom is running')) resolve(child);
    });
    child.once('exit', (code, signal) => reject(new Error(`server exited with ${signal ?? code}`)));
  });
}

/** The most characters of server output a test keeps: the newest, which tell how it failed. */
const KEPT_LOG_CHARS_MAX = 2_000_000;

/**
 * The log of the server processes a test starts (LOG_LEVEL info, stdout and stderr; a cluster's
 * primary passes its processes' output on), printed when the test fails, so that a failure
 * seen once in a long run says what the servers did. Call it inside the test.
 */
export function keptServerLog(): { readonly env: Record<string, string>; readonly onOutput: (text: string) => void } {
  let log = '';
  onTestFailed(({ task }) => {
    const text = log.length > KEPT_LOG_CHARS_MAX ? `[... the first ${log.length - KEPT_LOG_CHARS_MAX} characters left out]\n${log.slice(-KEPT_LOG_CHARS_MAX)}` : log;
    const errors = (task.result?.errors ?? []).map((e) => e.message).join('\n');
    console.error(`"${task.name}" failed (try ${(task.result?.retryCount ?? 0) + 1}) at ${new Date().toISOString()}:\n${errors}\nThe server processes' log:\n${text}`);
  });
  return {
    env: { LOG_LEVEL: 'info' },
    onOutput: (text) => {
      log += text;
      // Trimmed now and then rather than at every write: the newest part is what is printed.
      if (log.length > 2 * KEPT_LOG_CHARS_MAX) log = log.slice(-KEPT_LOG_CHARS_MAX);
    },
  };
}

/** `npm run start:cluster` on `port`: `processes` server processes on `database`, their log kept for a failure. */
export function startCluster(port: number, database: string, processes = 2): Promise<ChildProcess> {
  const log = keptServerLog();
  return startProcess(port, { DATABASE_URL: database, PROCESSES: String(processes), ...log.env }, 'server/src/cluster.ts', log.onOutput);
}

/**
 * A TCP proxy in front of servers on `ports`: each connection goes to the first of them that
 * accepts it, so that when one stops, its clients reconnect to the next. Clients that use
 * WebSocket only need no sticky sessions.
 */
export function failoverProxy(ports: readonly number[]): Promise<{ readonly port: number; close(): void }> {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.pause();
    const tryPort = (i: number) => {
      if (i >= ports.length) return client.destroy();
      const upstream = connect(ports[i]!, '127.0.0.1');
      upstream.once('error', () => tryPort(i + 1));
      upstream.once('connect', () => {
        open.add(upstream);
        upstream.removeAllListeners('error');
        const end = () => {
          client.destroy();
          upstream.destroy();
        };
        upstream.on('error', end).on('close', end);
        client.on('error', end).on('close', end);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    tryPort(0);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        close: () => {
          for (const s of open) s.destroy();
          server.close();
        },
      }),
    ),
  );
}
