/**
 * The what-if explorer in a Web Worker, so that the page stays responsive while it
 * searches. It searches in slices and yields about every 40 ms, so that a "stop" message
 * gets in; it posts its progress then, and the answer, in words, at the end.
 */
import { describeSchedule, Exploration, explorationScope, ExploreError, summarizeExploration } from '@toy-paxos/shared';
import type { WorkerAnswer, WorkerRequest } from './what-if';

const SLICE_STATES = 500;
/** How long the worker searches before it posts its progress and yields (a timer's turn costs a few milliseconds). */
const YIELD_MS = 40;
let search: Exploration | null = null;

function post(message: WorkerAnswer): void {
  postMessage(message);
}

addEventListener('message', (e: MessageEvent<WorkerRequest>) => {
  const request = e.data;
  if (request.type === 'stop') {
    search?.stop();
    return;
  }
  let mine: Exploration;
  try {
    mine = new Exploration(request.state, request.bounds, () => performance.now());
  } catch (err) {
    post({ type: 'error', message: err instanceof ExploreError ? err.message : String(err) });
    return;
  }
  search = mine;
  const step = (): void => {
    const t0 = performance.now();
    let r = mine.run(SLICE_STATES);
    while (!r && performance.now() - t0 < YIELD_MS) r = mine.run(SLICE_STATES);
    if (!r) {
      post({ type: 'progress', ...mine.progress });
      setTimeout(step, 0);
      return;
    }
    const outcomes = [
      ...r.violations.map((v) => ({ kind: 'violation' as const, title: `Break ${v.rule}`, detail: v.message, steps: describeSchedule(request.state, v.commands), length: v.steps, shortest: true })),
      ...r.chosen
        .filter((c) => c.steps)
        .map((c) => ({ kind: 'chosen' as const, title: `Choose ${c.value}`, detail: '', steps: describeSchedule(request.state, c.commands), length: c.steps, shortest: c.shortest })),
    ];
    post({ type: 'done', summary: summarizeExploration(r), scope: explorationScope(r), states: r.states, complete: r.complete, outcomes });
    search = null;
  };
  step();
});
