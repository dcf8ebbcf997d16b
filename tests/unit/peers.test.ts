/**
 * Server processes tell each other who is online on them (server/src/peers.ts). A message
 * can be lost (the database restarting as it is sent); whatever the adapter noticed, the
 * next message from that process shows a number skipped, and every process tells again
 * what it holds. Here two processes share a bus that loses what it is told to lose.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Peers, type PeerMessage, type ServerSideEmitter } from '../../server/src/peers';

/** socket.io's cross-process emits between processes in this one, losing the next `drop` messages. */
class Bus {
  drop = 0;
  readonly #listeners: { owner: object; event: string; listener: (...args: unknown[]) => void }[] = [];
  emitter(owner: object): ServerSideEmitter {
    return {
      serverSideEmit: (event, ...args) => {
        if (this.drop > 0) {
          this.drop--;
          return true;
        }
        for (const l of this.#listeners) if (l.owner !== owner && l.event === event) l.listener(...args);
        return true;
      },
      on: (event, listener) => this.#listeners.push({ owner, event, listener }),
    };
  }
}

/** A process: who it has online, and who it believes is online on each other process. */
class Process {
  readonly peers = new Peers();
  readonly here = new Set<string>();
  readonly elsewhere = new Map<string, Set<string>>();
  resyncs = 0;
  constructor(bus: Bus) {
    this.peers.listen({
      message: (from, m) => {
        if (m.kind !== 'online') return;
        const on = this.elsewhere.get(from) ?? new Set();
        if (m.online) on.add(m.tokenHash);
        else on.delete(m.tokenHash);
        this.elsewhere.set(from, on);
      },
      tellAll: () => {
        for (const tokenHash of this.here) this.peers.send({ kind: 'online', code: 'ROOM', tokenHash, online: true });
      },
      gone: (id) => void this.elsewhere.delete(id),
      missed: () => void this.resyncs++,
    });
    this.peers.attach(bus.emitter(this), () => Date.now());
  }
  set(tokenHash: string, online: boolean): void {
    if (online) this.here.add(tokenHash);
    else this.here.delete(tokenHash);
    const message: PeerMessage = { kind: 'online', code: 'ROOM', tokenHash, online };
    this.peers.send(message);
  }
  believes(other: Process): string[] {
    return [...(this.elsewhere.get(other.peers.id) ?? [])].sort();
  }
}

describe('processes telling each other who is online', () => {
  let processes: Process[] = [];
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => {
    for (const p of processes.splice(0)) p.peers.stop();
    vi.useRealTimers();
  });

  it('a lost "gone offline" is found by the next message, and each process tells again what it holds', () => {
    const bus = new Bus();
    const a = new Process(bus);
    const b = new Process(bus);
    processes = [a, b];
    a.set('student-1', true);
    a.set('leaver', true);
    expect(b.believes(a)).toEqual(['leaver', 'student-1']);
    const resyncs = b.resyncs;
    // The leaver goes while the database restarts: the message is lost, and no one noticed.
    bus.drop = 1;
    a.set('leaver', false);
    expect(b.believes(a)).toEqual(['leaver', 'student-1']);
    // a's next "alive" skips a number: b reads the store and both tell again.
    vi.advanceTimersByTime(2000);
    expect(b.believes(a)).toEqual(['student-1']);
    expect(b.resyncs).toBeGreaterThan(resyncs);
  });

  it('a lost message found by the next one of another kind: that one still counts', () => {
    const bus = new Bus();
    const a = new Process(bus);
    const b = new Process(bus);
    processes = [a, b];
    a.set('student-1', true);
    bus.drop = 1;
    a.set('student-1', false);
    a.set('student-2', true);
    expect(b.believes(a)).toEqual(['student-2']);
  });

  it('nothing lost: no store reads beyond the first, and nothing told twice', () => {
    const bus = new Bus();
    const a = new Process(bus);
    const b = new Process(bus);
    processes = [a, b];
    const resyncs = [a.resyncs, b.resyncs];
    const sent = vi.spyOn(a.peers, 'send');
    a.set('student-1', true);
    vi.advanceTimersByTime(10_000);
    expect([a.resyncs, b.resyncs]).toEqual(resyncs);
    expect(sent).toHaveBeenCalledTimes(1);
    expect(b.believes(a)).toEqual(['student-1']);
  });
});
