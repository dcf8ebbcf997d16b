/**
 * The solo sandbox: the shared core running in the browser with no server. The learner
 * controls every node; bots are optional; a preset scenario can be stepped through with
 * its lesson, and played on from any step.
 */
import {
  BotDriver,
  cloneRoomState,
  DEFAULT_SETTINGS,
  initialRoomState,
  parseScenario,
  PRESETS,
  RoomLog,
  runScenario,
  type Preset,
  ScenarioError,
  type RoomCommand,
  type RoomEvent,
  type RoomState,
  type LessonStep,
  lessonSteps,
  type StepOutcome,
} from '@toy-paxos/shared';
import type { Notice } from './session.svelte';
import { toLogItem, type LogItem } from './log-item';
import { RecordedProgram } from './node-program/answers';
import type { NodeProgramProblem } from './node-program/messages';
import type { NodeProgramRunner } from './node-program/runner';

/** A preset being stepped through: its steps, how far the learner is, and the log it makes. */
export interface Walkthrough {
  readonly preset: Preset;
  readonly outcomes: readonly StepOutcome[];
  readonly log: RoomLog;
  /** Where "Next step" stops: after each of these numbers of outcomes (see `walkStops`). */
  readonly stops: readonly number[];
  /** What each stop shows: its outcomes, its entries and, first, its key entries. */
  readonly steps: readonly LessonStep[];
}

/** The last stop before `step`, or 0 (the start). */
function stopBefore(stops: readonly number[], step: number): number {
  let before = 0;
  for (const n of stops) if (n < step) before = n;
  return before;
}

let noticeIds = 0;

export class SoloSandbox {
  version = $state(0);
  notices = $state.raw<Notice[]>([]);
  walkthrough = $state.raw<Walkthrough | null>(null);
  /** How many steps of the walkthrough are shown. */
  step = $state(0);
  botsRunning = $state(false);
  items: LogItem[] = [];
  #log = new RoomLog(initialRoomState(DEFAULT_SETTINGS));
  #bots = new BotDriver(Date.now() & 0xffff);
  #timer: ReturnType<typeof setInterval> | null = null;
  /** The learner's own node, when attached: which nodes run it, and why it stopped, once it has. */
  mine = $state.raw<{ readonly nodes: readonly string[]; readonly failure: NodeProgramProblem | null } | null>(null);
  #own: { readonly runner: NodeProgramRunner; readonly recorded: RecordedProgram; readonly nodes: readonly string[] } | null = null;
  /** How many `hold`s are running: commands queue behind them. */
  #holding = 0;
  /** Commands for a learner's node run one after another: each waits for the worker's answers. */
  #queue: Promise<boolean> = Promise.resolve(true);

  constructor() {
    for (const node of ['A', 'B', 'C']) this.dispatch({ type: 'addNode', node });
  }

  /** The state shown: a fresh copy for every change, so that components see it change. */
  readonly state: RoomState = $derived.by(() => {
    void this.version;
    if (this.walkthrough) return this.walkthrough.log.stateAt(this.#walkSeq());
    return cloneRoomState(this.#log.state);
  });

  /** The entries shown: the walkthrough's up to the current step, or the sandbox's own. */
  get shown(): readonly LogItem[] {
    void this.version;
    if (!this.walkthrough) return this.items;
    const upTo = this.#walkSeq();
    return this.#walkItems.filter((i) => i.seq <= upTo);
  }

  #walkItems: LogItem[] = [];

  #walkSeq(): number {
    const w = this.walkthrough!;
    let seq = 0;
    for (const o of w.outcomes.slice(0, this.step)) if (o.kind === 'entries' && o.entries.length) seq = o.entries.at(-1)!.seq;
    return seq;
  }

  /**
   * Runs a command on the sandbox's own log; a refusal becomes a notice. With the learner's
   * own node attached the command waits for its worker, and true means only that it is queued.
   */
  dispatch(command: RoomCommand): boolean {
    if (this.walkthrough) this.playFromHere();
    if (this.#own || this.#holding) {
      void this.play(command);
      return true;
    }
    return this.#dispatchNow(command);
  }

  /** Runs a command, once the learner's node (if attached) has answered: false when it was refused or the program failed. */
  play(command: RoomCommand): Promise<boolean> {
    if (this.walkthrough) this.playFromHere();
    this.#queue = this.#queue.then(async () => {
      const own = this.#own;
      if (!own) return this.#dispatchNow(command);
      if (own.runner.failure) {
        this.notify('refused', 'Your node has stopped: edit it and attach it again, or detach it.');
        return false;
      }
      const answers = await own.runner.prepare(this.#plainInitial(), this.#log.events, command, own.nodes);
      if (this.#own !== own) return false;
      if (!Array.isArray(answers)) {
        this.mine = { nodes: own.nodes, failure: answers as NodeProgramProblem };
        this.notify('refused', `Your node stopped, so this was not done.`);
        return false;
      }
      own.recorded.add(answers);
      return this.#dispatchNow(command);
    });
    return this.#queue;
  }

  /**
   * Runs `work` (compiling a program and attaching it) with the sandbox's commands held until
   * it ends: a command given meanwhile runs after it, with the program it attached, never
   * before it with the program it replaces.
   */
  hold<T>(work: () => Promise<T>): Promise<T> {
    this.#holding++;
    const done = this.#queue.then(work);
    this.#queue = done.then(
      () => true,
      () => true,
    );
    return done.finally(() => this.#holding--);
  }

  /**
   * Gives `nodes` the learner's program (its acceptor and proposer) and folds the sandbox's
   * log again with it: null when done, else why the program could not run.
   */
  async attach(runner: NodeProgramRunner, nodes: readonly string[]): Promise<NodeProgramProblem | null> {
    this.playFromHere();
    this.#detach();
    const initial = this.#plainInitial();
    const events = this.#log.events;
    const answers = await runner.prepare(initial, events, null, nodes);
    if (!Array.isArray(answers)) return answers as NodeProgramProblem;
    const recorded = new RecordedProgram(runner.roles);
    recorded.add(answers);
    this.#own = { runner, recorded, nodes };
    this.mine = { nodes, failure: runner.failure };
    // A failure between commands (a promise's callback that ran late) shows at once, not at the next command.
    runner.onFailure = (failure) => {
      if (this.#own?.runner === runner) this.mine = { nodes, failure };
    };
    if (this.#timer) this.toggleBots();
    this.#refold({ ...initial, programs: recorded.programsFor(nodes) }, events);
    return null;
  }

  /** Every node plays by the honest programs again; the log is folded again without the learner's. */
  detach(): void {
    if (!this.#own) return;
    this.#detach();
    this.#refold(this.#plainInitial(), this.#log.events);
  }

  #detach(): void {
    this.#own?.runner.end();
    this.#own = null;
    this.mine = null;
  }

  #refold(initial: RoomState, events: readonly RoomEvent[]): void {
    this.#log = new RoomLog(initial, events);
    this.items = this.#log.entries().map(toLogItem);
    this.version++;
  }

  /** The log's starting state without programs: what a worker can be sent. */
  #plainInitial(): RoomState {
    const { programs: _, ...initial } = this.#log.stateAt(0);
    return initial;
  }

  #dispatchNow(command: RoomCommand): boolean {
    const r = this.#log.dispatch(command);
    if (!r.ok) {
      this.notify('refused', r.explanation);
      return false;
    }
    for (const e of r.entries) {
      this.items.push(toLogItem(e));
    }
    this.version++;
    return true;
  }

  notify(kind: Notice['kind'], text: string): void {
    this.notices = [...this.notices.slice(-4), { id: ++noticeIds, kind, text }];
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  addNode(): void {
    const used = new Set(this.#log.state.order);
    const name = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').find((c) => !used.has(c)) ?? `N${used.size + 1}`;
    this.dispatch({ type: 'addNode', node: name });
  }

  addBot(): void {
    const n = this.#log.state.order.filter((id) => this.#log.state.nodes[id]!.bot).length + 1;
    this.dispatch({ type: 'addNode', node: `Bot${n}`, bot: true });
  }

  /** Bots propose (in a Multi-Paxos room, lead) on their own, on a seeded timer, while this runs. */
  toggleBots(): void {
    if (!this.#timer && this.#own) {
      this.notify('refused', 'Bots wait while your own node runs: detach it to let them play.');
      return;
    }
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
      this.botsRunning = false;
      return;
    }
    this.botsRunning = true;
    this.#timer = setInterval(() => {
      const bots = this.#log.state.order.filter((id) => this.#log.state.nodes[id]!.bot);
      for (const c of this.#bots.next(this.#log.state, Date.now(), bots)) this.dispatch(c);
    }, 200);
  }

  presets(): readonly Preset[] {
    return PRESETS;
  }

  /** Loads a preset to step through it from the start. */
  load(name: string): void {
    const preset = PRESETS.find((p) => p.name === name);
    if (!preset) return;
    // A lesson plays with honest nodes.
    this.#detach();
    const run = runScenario(parseScenario(preset.text));
    this.#walkItems = run.outcomes.flatMap((o) => (o.kind === 'entries' ? o.entries.map(toLogItem) : []));
    const steps = lessonSteps(run);
    this.walkthrough = { preset, outcomes: run.outcomes, log: run.log, stops: steps.map((s) => s.stop), steps };
    this.step = 0;
    this.version++;
  }

  /** Shows the next stop's outcomes. */
  next(): void {
    const stop = this.walkthrough?.stops.find((n) => n > this.step);
    if (stop !== undefined) this.step = stop;
    this.version++;
  }

  /** Goes back to the stop before. */
  back(): void {
    this.step = stopBefore(this.walkthrough?.stops ?? [], this.step);
    this.version++;
  }

  /** The outcomes of the stop shown (empty before the first). */
  get current(): readonly StepOutcome[] {
    return this.currentStep?.outcomes ?? [];
  }

  /** The stop shown, with its key entries (null before the first). */
  get currentStep(): LessonStep | null {
    return this.walkthrough?.steps.find((s) => s.stop === this.step) ?? null;
  }

  /** Which stop is shown (1-based; 0 before the first) and how many there are. */
  get stopNumber(): { readonly at: number; readonly of: number } {
    const stops = this.walkthrough?.stops ?? [];
    return { at: stops.filter((n) => n <= this.step).length, of: stops.length };
  }

  /** Leaves the walkthrough and goes on in the sandbox from the step shown. */
  playFromHere(): void {
    const w = this.walkthrough;
    if (!w) return;
    const seq = this.#walkSeq();
    this.#log = w.log.branchAt(seq);
    this.items = this.#walkItems.filter((i) => i.seq <= seq);
    this.walkthrough = null;
    this.step = 0;
    this.version++;
  }

  /** Goes on from event `seq` of the sandbox's own log: the later events are dropped (a what-if played in the sandbox). */
  branchAt(seq: number): void {
    this.walkthrough = null;
    this.#log = this.#log.branchAt(seq);
    this.items = this.items.filter((i) => i.seq <= seq);
    this.version++;
  }

  /** The sandbox's own log (not a walkthrough's): its starting state and events. */
  get initial(): RoomState {
    return this.#log.stateAt(0);
  }

  get events(): readonly RoomEvent[] {
    void this.version;
    return this.#log.events;
  }

  /** Replaces the sandbox with an imported log (already validated). */
  loadLog(initial: RoomState, events: readonly RoomEvent[]): void {
    this.walkthrough = null;
    this.#detach();
    this.#log = new RoomLog(initial, events);
    this.items = this.#log.entries().map(toLogItem);
    this.version++;
  }

  /**
   * Imports a file: a JSON session export, or a scenario script. Returns null when it
   * was loaded, or what is wrong with it (with the line or field); nothing is loaded then.
   */
  async importFile(name: string, text: string): Promise<string | null> {
    if (name.endsWith('.json') || text.trimStart().startsWith('{')) {
      const { parseSessionFile } = await import('@toy-paxos/shared/protocol');
      const parsed = parseSessionFile(text);
      if (!parsed.ok) return parsed.error;
      this.loadLog(parsed.initial, parsed.events);
      return null;
    }
    try {
      const run = runScenario(parseScenario(text));
      this.loadLog(run.log.stateAt(0), run.log.events);
      return run.failures.length ? `Loaded, but line ${run.failures[0]!.line}: ${run.failures[0]!.message}` : null;
    } catch (e) {
      if (e instanceof ScenarioError) return e.problems.map((p) => `line ${p.line}: ${p.message}`).join('\n');
      throw e;
    }
  }

  /** Starts over with three nodes. */
  reset(): void {
    this.walkthrough = null;
    this.#detach();
    this.#log = new RoomLog(initialRoomState(DEFAULT_SETTINGS));
    this.items = [];
    for (const node of ['A', 'B', 'C']) this.dispatch({ type: 'addNode', node });
  }

  destroy(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#detach();
  }
}
