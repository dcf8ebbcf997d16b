/**
 * Runs imports in worker threads (import-worker.mjs), each with budgets: the room's event
 * limit (checked at every step inside the worker), a time budget and a memory budget
 * (the worker is stopped when it passes either), and a few at a time, so that no file,
 * however hostile, holds the main thread or the machine.
 */
import { Worker } from 'node:worker_threads';
import { IMPORT_SLICE_EVENTS, type ImportedLog } from './room';
import type { ImportResult } from './imports';

/** What an import gives (the worker's one message): the log to open a room with, or why the file is refused. */
export type ImportOutcome = ({ readonly ok: true } & ImportedLog) | Extract<ImportResult, { ok: false }>;

export interface ImportBudget {
  /** Events a room holds: a file that makes more is refused as soon as it does. */
  readonly eventsMax: number;
  /** Wall-clock time one import may take, worker start included. */
  readonly timeMsMax: number;
  /** The worker's heap. */
  readonly memoryMbMax: number;
  /** Imports that may run at once; more are refused until one ends. */
  readonly concurrentMax: number;
}

export const DEFAULT_IMPORT_BUDGET: ImportBudget = { eventsMax: 100_000, timeMsMax: 10_000, memoryMbMax: 1024, concurrentMax: 2 };

export class ImportRunner {
  #running = 0;
  constructor(readonly budget: ImportBudget) {}

  /** True when `concurrentMax` imports are running: the next one must wait. */
  get busy(): boolean {
    return this.#running >= this.budget.concurrentMax;
  }

  /** Reads `file` in a worker; resolves with its result or the budget it went past. */
  run(file: { name: string; text: string }): Promise<ImportOutcome> {
    const { eventsMax, timeMsMax, memoryMbMax } = this.budget;
    this.#running++;
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./import-worker.mjs', import.meta.url), {
        workerData: { file, eventsMax, sliceEvents: IMPORT_SLICE_EVENTS },
        // The worker loads tsx itself; without the parent's flags it starts faster.
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: memoryMbMax },
      });
      let settled = false;
      const finish = (outcome: () => void, stop = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#running--;
        // A worker that answered ends by itself; stopping it from here would tear its heap
        // down on this thread.
        if (stop) void worker.terminate();
        outcome();
      };
      const refuse = (error: string) => finish(() => resolve({ ok: false, code: 'bad-request', error }), true);
      const timer = setTimeout(
        () => refuse(`Importing this file took more than ${timeMsMax / 1000} s, the most an import may take: make it shorter.`),
        timeMsMax,
      );
      worker.once('message', (outcome: ImportOutcome) => finish(() => resolve(outcome)));
      worker.once('error', (error: Error & { code?: string }) => {
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') refuse(`Importing this file needs more than ${memoryMbMax} MB, the most an import may use: make it shorter.`);
        else finish(() => reject(error), true);
      });
      worker.once('exit', (code) => finish(() => reject(new Error(`the import worker stopped (exit code ${code}) without an answer`))));
    });
  }
}
