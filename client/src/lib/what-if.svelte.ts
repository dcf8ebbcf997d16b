/**
 * "What can happen from here?": runs the explorer in a Web Worker and holds its
 * progress and answer for the page. One search at a time; Stop ends it with the answer
 * so far.
 */
import type { ExploreBounds, RoomState } from '@toy-paxos/shared';
import type { WhatIfAnswer, WorkerAnswer, WorkerRequest } from './what-if';

export class WhatIf {
  running = $state(false);
  /** States searched so far, and the depth reached, while it runs. */
  progress = $state.raw<{ states: number; depth: number } | null>(null);
  answer = $state.raw<WhatIfAnswer | null>(null);
  error = $state<string | null>(null);
  #worker: Worker | null = null;

  /** Loads the worker now, so that a search later needs no server (the solo sandbox works offline once loaded). */
  warm(): void {
    this.#worker ??= this.#spawn();
  }

  /** Starts a search from `state` (a snapshot: the page may go on meanwhile). */
  start(state: RoomState, bounds: ExploreBounds): void {
    this.#worker ??= this.#spawn();
    this.running = true;
    this.progress = { states: 1, depth: 0 };
    this.answer = null;
    this.error = null;
    // A plain copy: Svelte's reactive proxies cannot be cloned into a worker.
    const request: WorkerRequest = { type: 'start', state: $state.snapshot(state) as RoomState, bounds: $state.snapshot(bounds) as ExploreBounds };
    this.#worker.postMessage(request);
  }

  /** Stops the search at its next slice; the answer says how far it got. */
  stop(): void {
    if (this.running) this.#worker?.postMessage({ type: 'stop' } satisfies WorkerRequest);
  }

  /** Forgets the answer shown. */
  clear(): void {
    this.answer = null;
    this.error = null;
  }

  destroy(): void {
    this.#worker?.terminate();
    this.#worker = null;
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./explore.worker.ts', import.meta.url), { type: 'module' });
    worker.addEventListener('message', (e: MessageEvent<WorkerAnswer>) => {
      const m = e.data;
      if (m.type === 'progress') this.progress = { states: m.states, depth: m.depth };
      else if (m.type === 'error') {
        this.error = m.message;
        this.running = false;
      } else {
        const { type: _, ...answer } = m;
        this.answer = answer;
        this.running = false;
      }
    });
    worker.addEventListener('error', () => {
      this.error = 'The search stopped with an error in this browser.';
      this.running = false;
    });
    return worker;
  }
}
