/** The real server in a process of its own, as `npm start` (index.ts) or `npm run start:cluster` (cluster.ts) runs it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Starts the server on `port` with these environment variables; resolves once it is listening. `onOutput` reads its stdout (its log, with LOG_LEVEL set). */
export function startProcess(port: number, env: Record<string, string>, main = 'server/src/index.ts', onOutput?: (text: string) => void): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      onOutput?.(chunk.toString());
      if (chunk.toString().includes('toy-paxos classroom is running')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
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
