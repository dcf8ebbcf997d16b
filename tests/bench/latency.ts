/** What bench:server's runs share: opening clients, the action loop that times broadcasts, percentiles. */
import { performance } from 'node:perf_hooks';
import { io as connect, type Socket } from 'socket.io-client';

/** Seconds of acting before latencies count. */
export const WARMUP_S = 3;

export function open(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

/** The figures of one run of the action loop. */
export interface Driven {
  readonly latencies: number[];
  readonly actions: number;
  readonly incomplete: number;
  /** Messages the clients received per second while latencies counted (each may carry several actions). */
  readonly messagesPerSecond: number;
}

/**
 * Runs the action loop: every client acts every 2–4 s; latency = last receipt − send.
 * `onReceive` hands over each message a client receives, as the keys of the actions it carries.
 */
export async function drive(
  sockets: Socket[],
  actors: number,
  seconds: number,
  act: (s: Socket, i: number) => Promise<string | null>,
  onReceive: (s: Socket, handler: (keys: readonly string[]) => void) => void,
): Promise<Driven> {
  const sentAt = new Map<string, number>();
  const received = new Map<string, { count: number; last: number }>();
  const measureFrom = performance.now() + WARMUP_S * 1000;
  const end = measureFrom + seconds * 1000;
  let messages = 0;
  for (const s of sockets) {
    onReceive(s, (keys) => {
      const now = performance.now();
      if (now >= measureFrom && now < end) messages++;
      for (const key of keys) {
        const r = received.get(key) ?? { count: 0, last: 0 };
        r.count++;
        r.last = now;
        received.set(key, r);
      }
    });
  }
  let actions = 0;
  const timers = sockets.slice(0, actors).map((s, i) => {
    const loop = async () => {
      while (performance.now() < end) {
        await new Promise((r) => setTimeout(r, 2000 + Math.random() * 2000));
        if (performance.now() >= end) break;
        const t0 = performance.now();
        const key = await act(s, i);
        if (key && t0 >= measureFrom) {
          sentAt.set(key, t0);
          actions++;
        }
      }
    };
    return loop();
  });
  await Promise.all(timers);
  await new Promise((r) => setTimeout(r, 1000)); // let the last broadcasts land
  const latencies: number[] = [];
  let incomplete = 0;
  for (const [key, t0] of sentAt) {
    const r = received.get(key);
    if (!r || r.count < sockets.length) incomplete++;
    else latencies.push(r.last - t0);
  }
  latencies.sort((a, b) => a - b);
  return { latencies, actions, incomplete, messagesPerSecond: messages / seconds };
}
