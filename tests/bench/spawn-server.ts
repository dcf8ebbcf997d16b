/** Starts a bench server (server-process.ts) in its own process; resolves with its address once it listens. */
import { spawn, type ChildProcess } from 'node:child_process';

export function spawnServer(mode: string, options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ child: ChildProcess; url: string }> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/sprof'] : [];
  const child = spawn(process.execPath, [...profile, '--expose-gc', '--import', 'tsx', 'tests/bench/server-process.ts', mode], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const m = /PORT (\d+)/.exec(chunk.toString());
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`the ${mode} server exited with ${code}`)));
  });
}

/** Stops a server and resolves once its process has exited, so that it cannot overlap the next run. */
export function stopServer(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return exited;
}
