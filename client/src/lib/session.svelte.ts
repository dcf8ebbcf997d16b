/**
 * A participant's connection to a classroom room: the socket, the session token, the
 * room's log (records in order, with no gaps), presence, pending actions and refusals.
 * The room's state is derived from the log with the shared core's fold (./fold.ts, loaded
 * as the session starts). In a long room the page holds the newest records after the state
 * before them (`base`), and fetches older ones when someone asks for them (the log's "Show
 * earlier", the replay tools).
 */
import type { Socket } from 'socket.io-client';
import {
  invariant,
  PROTOCOL_VERSION,
  type Ack,
  type AnalyticsReply,
  type CheckpointState,
  type ClassAnalytics,
  type ClientEventName,
  type CommandResult,
  type LogRecord,
  type PresenceChange,
  type Role,
  type RoomEvent,
  type RoomInfo,
  type RoomState,
  type SessionInfo,
  type TimelineInfo,
} from '@toy-paxos/shared';
import { connect, fallbackSettled } from './connect';
import type { LogItem } from './log-item';
import { forgetToken, saveToken, savedToken } from './tokens';

export type { LogItem } from './log-item';

/** How long to wait before resuming again when the classroom's database is restarting (`store-unavailable`). */
const RESUME_AGAIN_MS = 2000;

/** `closed`: the server closed this page's connection (too many actions, or too many pages); the session goes on. */
export type SessionStatus = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed' | 'closed';

export interface Notice {
  readonly id: number;
  readonly kind: 'refused' | 'error' | 'info';
  readonly text: string;
  /** The log entry the notice is about, which the page can show. */
  readonly seq?: number;
}

let noticeIds = 0;

type Fold = typeof import('./fold');
/** The fold, once loaded: every session of the page shares one download. */
let fold: Fold | null = null;
let loadingFold: Promise<Fold> | null = null;

/** Loads the fold (again after a failed download, such as a network that dropped). */
function loadFold(): Promise<Fold> {
  loadingFold ??= import('./fold').then(
    (f) => (fold = f),
    (e: unknown) => {
      loadingFold = null;
      throw e;
    },
  );
  return loadingFold;
}

/** Starts loading the fold ahead of a session (the join page does, while the student types a name). */
export function preloadFold(): void {
  void loadFold().catch(() => undefined);
}

/** The fold, where a session has started (joined or resumed): it loads before that. */
function folds(): Fold {
  invariant(fold !== null, 'a room is folded before its session started');
  return fold;
}

/** The open (or last) class question as this page follows it. */
export interface LiveQuestion {
  readonly id: number;
  readonly answered: number;
  /** When the countdown ends, in this device's `Date.now()` terms: the server sends the time left, not its clock. */
  readonly endsAt: number;
  readonly mine: number | null;
}

/** What a page joins a room with: the name and role from the form, and the join's id (tokens.ts `joinIdFor`). */
export interface JoinRequest {
  readonly name: string;
  readonly role: 'student' | 'observer';
  readonly joinId: string;
}

/** How a join ended for the page: in (the session is live), or why not, in words for the person. */
export type JoinOutcome = { readonly ok: true } | { readonly ok: false; readonly message: string };

export class RoomSession {
  readonly code: string;
  status = $state<SessionStatus>('connecting');
  /** Why the session could not start or ended, in words for the person. */
  problem = $state<string | null>(null);
  role = $state<Role | null>(null);
  node = $state<string | null>(null);
  presence = $state.raw<RoomInfo | null>(null);
  /** The title of the file the room was opened from, shown at the top of every screen; null when it has none. */
  title = $state<string | null>(null);
  /** Where students join, as the server says (its public address): null until the session starts. */
  joinUrl = $state<string | null>(null);
  /** Actions sent and not yet answered. */
  pending = $state(0);
  notices = $state.raw<Notice[]>([]);
  /** The event the instructor presents to everyone, or null. */
  presenting = $state<number | null>(null);
  /** The room's timelines (main and what-if branches) and the one it plays on. */
  timeline = $state.raw<TimelineInfo>({ active: 0, branches: [] });
  /** Why this student's node just joined the timeline shown, or could not: set by a switch of timeline, until dismissed or the next one. */
  timelineNote = $state<string | null>(null);
  /** Why the name this student joined with is not the one they asked for ("Ana is taken..."): set by the join, until dismissed. */
  nameNote = $state<string | null>(null);
  /** Bumped when the log is replaced by another timeline's. */
  timelineVersion = $state(0);
  /** Bumped on every new record: the log itself is not reactive, for speed. */
  version = $state(0);
  /** How many events come before the first one this page holds (0: it holds the whole log). */
  earlier = $state(0);
  /** Older events being fetched: how many of those asked for have arrived, or null. */
  loadingHistory = $state.raw<{ readonly done: number; readonly of: number } | null>(null);
  /**
   * The class question the server holds answers for: how many have answered, when its
   * countdown ends on this device's clock, and this student's answer (kept after the close,
   * for the reveal). Null before any question.
   */
  question = $state.raw<LiveQuestion | null>(null);

  /** The log entries this page holds, in order: events `earlier + 1` to the newest. */
  items: LogItem[] = [];
  /** The events of `items`: what a replay folds, from `#base`. */
  events: RoomEvent[] = [];
  /** The room's state after the last record, folded event by event with the shared core; null until the session starts. */
  #live: RoomState | null = null;
  /** The connection; history.ts reads with it too. */
  readonly socket: Socket;
  #token: string | null;
  /** Broadcast records that arrived while a join or resume was being answered. */
  #held: LogRecord[] | null = null;
  /**
   * The join this page makes, until the server has its confirmation: every connection until
   * then joins again with the same join id (the server answers with the same session), where
   * a resume could find the join taken back.
   */
  #join: JoinRequest | null;
  /** Settles `joined` with the first answer to the join. */
  #joined: (outcome: JoinOutcome) => void = () => undefined;
  /** The first answer to the join (a session made with `join`): in, or why not. */
  readonly joined: Promise<JoinOutcome>;

  /** Opens the room's session: resumes with `token`, or with `join`, joins the room (and resumes later on). */
  constructor(code: string, token: string | null = savedToken(code), join: JoinRequest | null = null) {
    this.code = code;
    this.#token = join ? null : token;
    this.#join = join;
    this.joined = new Promise((resolve) => (this.#joined = resolve));
    // The fold loads beside the socket's handshake; the join or resume waits for it (a download
    // that fails is tried again at the next connection).
    preloadFold();
    // Retries at least once a second, spread by socket.io's randomization: a class is back
    // within about two seconds of a server restart (docs/protocol/sessions.md, 2.4). The room code in the
    // address lets a cluster's router or proxy send every client of a room to one process
    // (docs/CLUSTER.md); a single server ignores it.
    this.socket = connect({ reconnectionDelay: 250, reconnectionDelayMax: 1000, randomizationFactor: 0.5, query: { room: code } });
    this.socket.on('connect', () => {
      loadFold().then(
        () => {
          // Connected still (a connection lost meanwhile comes back, and asks again).
          if (this.socket.connected) void (this.#join ? this.#sendJoin(this.#join) : this.#resume());
        },
        () => this.#cannotLoad(),
      );
    });
    this.socket.on('disconnect', (reason) => {
      // Closed on purpose: coming straight back would only be closed again.
      if (this.status === 'closed') return;
      if (this.status === 'live') this.status = 'reconnecting';
      // The server closed this connection (a restart, for one): socket.io leaves it to us to come back.
      if (reason === 'io server disconnect' && this.#token) setTimeout(() => this.socket.connect(), 500);
    });
    this.socket.on('room:records', ({ records }: { records: LogRecord[] }) => {
      // Broadcasts can be handled before the answer to a resume is: hold them until then.
      if (this.#held) this.#held.push(...records);
      // Before the session starts, the answer to its join or resume holds the room's records.
      else if (this.#live) this.#take(records);
    });
    // Changes fold onto the list of the last join's answer; one that comes before the first answer is in it already.
    this.socket.on('room:presence', (change: PresenceChange) => {
      if (this.presence) this.presence = folds().applyPresenceChange(this.presence, change);
    });
    this.socket.on('checkpoint:answered', ({ id, answered }: { id: number; answered: number }) => {
      if (this.question?.id === id) this.question = { ...this.question, answered };
    });
    this.socket.on('room:replay', ({ seq }: { seq: number | null }) => (this.presenting = seq));
    this.socket.on('room:timeline', ({ timeline, records, base }: { timeline: TimelineInfo; records: LogRecord[]; base: RoomState | null }) => {
      const before = this.timeline;
      this.#reset(base);
      this.timeline = timeline;
      this.presenting = null;
      this.#take(records);
      this.timelineNote = folds().switchNote(before, timeline, records, this.#started(), this.node);
    });
    this.socket.on('connection:closed', ({ message }: { message: string }) => {
      this.status = 'closed';
      this.problem = message;
    });
    this.socket.on('session:ended', ({ message }: { message: string }) => {
      forgetToken(this.code);
      this.#token = null;
      this.status = 'ended';
      this.problem = message;
    });
  }

  /**
   * The room's state after the last record, derived with the shared core. A fresh copy
   * for every new record: the log changes its live state in place, and components must
   * see new objects to know that something changed.
   */
  readonly state: RoomState = $derived.by(() => {
    void this.version;
    return folds().cloneRoomState(this.#started());
  });

  /** The fold could not be downloaded: the page cannot show the room, and says what to do. */
  #cannotLoad(): void {
    const message = 'This page could not load all of its code: check your connection, then reload the page.';
    this.socket.close();
    this.status = 'failed';
    this.problem = message;
    this.#joined({ ok: false, message });
  }

  /** The live state, where the session has started: the pages show a room only once it is live. */
  #started(): RoomState {
    invariant(this.#live !== null, 'a room is read before its session started');
    return this.#live;
  }

  /** The room as it started, with its first settings: what a replay folds from. Never changed in place. Set as the session starts. */
  #initial: RoomState | null = null;

  /** What a replay dock shows of this room: its whole log (fetched first if need be), and the moment the instructor presents. */
  get replaySource() {
    return {
      initial: this.#initial!,
      events: this.events,
      whole: () => import('./history').then((h) => h.loadAll(this, this.#initial!)),
      loadingHistory: this.loadingHistory,
      version: this.version,
      name: `toy-paxos-${this.code}`,
      title: this.title ?? `toy-paxos room ${this.code}`,
      presenting: this.presenting,
      epoch: this.timelineVersion,
      timeline: this.timeline,
    };
  }

  get lastSeq(): number {
    return this.#live?.seq ?? 0;
  }

  /** Fetches up to `count` earlier events and puts them in front (history.ts, loaded on first use); false if it could not. */
  async loadEarlier(count = 200): Promise<boolean> {
    return (await import('./history')).loadEarlier(this, count);
  }

  get name(): string | null {
    return this.node ? (this.state.nodes[this.node]?.name ?? null) : null;
  }

  /**
   * Sends the join (again, after a lost connection, with the same id) and takes its answer as a
   * resume's; then tells the server the page has it. A connection lost on the way leaves the
   * join for the next one.
   */
  async #sendJoin(join: JoinRequest): Promise<void> {
    this.#held = [];
    const payload = { v: PROTOCOL_VERSION, code: this.code, name: join.name, role: join.role, joinId: join.joinId };
    const ack = (await this.socket.emitWithAck('room:join', payload).catch(() => null)) as Ack<{ session: SessionInfo }> | null;
    const held = this.#held;
    this.#held = null;
    if (!ack) return;
    if (!ack.ok) {
      this.status = 'failed';
      this.problem = ack.error.message;
      this.#joined({ ok: false, message: ack.error.message });
      return;
    }
    // A projector joining on a device in this room already (the instructor's, most often) keeps its token to its tab.
    saveToken(ack.session.code, ack.session.token, join.role === 'observer' && savedToken(ack.session.code) !== null);
    this.#token = ack.session.token;
    this.#start(ack.session);
    this.#take(held);
    if (join.role === 'student') this.nameNote = folds().joinNameNote(this.#started(), join.name, ack.session.name, ack.session.node);
    this.#joined({ ok: true });
    const confirmed = (await this.socket.emitWithAck('room:confirm', {}).catch(() => null)) as Ack<CommandResult> | null;
    if (confirmed?.ok) this.#join = null;
  }

  async #resume(): Promise<void> {
    if (!this.#token) {
      this.status = 'failed';
      this.problem = 'You have not joined this room on this device yet.';
      return;
    }
    this.#held = [];
    const ack = (await this.socket.emitWithAck('room:resume', {
      v: PROTOCOL_VERSION,
      token: this.#token,
      lastSeq: this.lastSeq,
      branch: this.timeline.active,
    })) as Ack<{
      session: SessionInfo;
    }>;
    const held = this.#held;
    this.#held = null;
    if (!ack.ok) {
      // The classroom's database is restarting: the session is still there; ask again in a moment.
      if (ack.error.code === 'store-unavailable') {
        setTimeout(() => {
          if (this.socket.connected && (this.status === 'connecting' || this.status === 'reconnecting')) void this.#resume();
        }, RESUME_AGAIN_MS);
        return;
      }
      if (ack.error.code === 'bad-token') forgetToken(this.code);
      this.status = 'failed';
      this.problem = ack.error.message;
      return;
    }
    this.#start(ack.session);
    this.#take(held);
  }

  /** Forgets the log, to take another's: from its first event, or from `base` when only the newest records follow. */
  #reset(base: RoomState | null = null): void {
    this.#live = folds().cloneRoomState(base ?? this.#initial ?? folds().initialRoomState());
    this.earlier = this.#live.seq;
    this.items = [];
    this.events = [];
    this.timelineVersion++;
    this.version++;
  }

  #start(session: SessionInfo): void {
    if (this.lastSeq === 0 || !this.#initial) this.#initial = folds().initialRoomState(session.settings);
    // Another timeline, a log held from nothing yet, or only the newest records after a base: start the copy again.
    if (session.timeline.active !== this.timeline.active || this.lastSeq === 0 || session.base) this.#reset(session.base);
    const before = this.timeline;
    this.timeline = session.timeline;
    this.role = session.role;
    this.node = session.node;
    this.presenting = session.presenting;
    this.presence = session.room;
    this.joinUrl = session.joinUrl;
    this.title = session.title;
    this.#take(session.records);
    // A page that was away while the class switched timeline hears of it now.
    if (before.active !== session.timeline.active) this.timelineNote = folds().switchNote(before, session.timeline, session.records, this.#started(), this.node);
    const c = session.checkpoint;
    if (c) this.question = { id: c.id, answered: c.answered, endsAt: Date.now() + c.remainingMs, mine: c.mine };
    this.status = 'live';
    this.problem = null;
  }

  #take(records: readonly LogRecord[]): void {
    const { apply } = folds();
    const live = this.#started();
    let added = 0;
    for (const r of records) {
      if (r.seq <= this.lastSeq) continue;
      if (r.seq !== this.lastSeq + 1) {
        // A gap cannot be filled from here: resume from what we have.
        this.socket.disconnect().connect();
        break;
      }
      const event = this.#withMyAnswer(r.event);
      // A folded record's lines are printed here when someone asks to read them, from the state before its event.
      const folded = foldedItem(r, live, event);
      apply(live, event);
      // What was refused or noted belongs to the round before: a fresh round starts clean.
      if (r.event.type === 'roundStarted') this.notices = [];
      this.events.push(event);
      // A message sent names its sender: the projector groups a node's sends into one line.
      const node = r.event.type === 'sent' ? r.event.message.from : null;
      this.items.push({ seq: r.seq, lines: r.lines, explanation: r.explanation, nodes: r.nodes, violations: r.violations, type: r.event.type, node, ...(folded ? { folded } : {}) });
      added++;
    }
    if (added) this.version++;
    // A question open now that this page had not seen: its countdown starts on arrival (a join or
    // resume then sends the time left instead). One opened and closed in a batch of old records is not shown.
    const latest = live.checkpoints.at(-1);
    if (latest?.status === 'open' && this.question?.id !== latest.id) {
      this.question = { id: latest.id, answered: 0, endsAt: Date.now() + latest.seconds * 1000, mine: null };
    }
  }

  /** The class's latest question, while it is open or closed, and once revealed if this page saw it asked. */
  get classQuestion(): CheckpointState | null {
    const latest = this.state.checkpoints.at(-1) ?? null;
    return latest && (latest.status !== 'revealed' || this.question?.id === latest.id) ? latest : null;
  }

  /** Students online now, for "12 of 30 students have answered". */
  get studentsOnline(): number {
    return this.presence?.participants.filter((p) => p.role === 'student' && p.online).length ?? 0;
  }

  /** Sends a command; a refusal becomes a notice with the core's explanation. */
  async send(event: ClientEventName, payload: object): Promise<boolean> {
    return (await this.request(event, payload)) !== null;
  }

  /** Sends a command and returns its result, or null when it was refused (a notice says why). */
  async request(event: ClientEventName, payload: object): Promise<CommandResult | null> {
    if (this.status !== 'live') {
      // Sent now, it would reach the server before this connection has resumed its session.
      this.notify('error', 'You are offline while the connection comes back: your action was not sent. Try again in a moment.');
      return null;
    }
    const ack = await this.ask(event, payload);
    if (!ack) {
      // The command may have been applied and only its answer lost: the outcome is unknown
      // (docs/protocol/commands.md, 4.3), and the records that come after resuming tell.
      this.notify('error', 'No answer from the server: your action may have been applied; the log will show it once you are back online.');
      return null;
    }
    if (!ack.ok) this.notify(['server-error', 'store-unavailable', 'rate-limited'].includes(ack.error.code) ? 'error' : 'refused', ack.error.message);
    return ack.ok ? ack : null;
  }

  /**
   * Sends a command and returns its ack as it came, refusals included, with no notice: for a
   * caller that says what happened in its own words (a learner's program answering for the
   * node). Null when no answer came; call it only while the session is live.
   */
  async ask(event: ClientEventName, payload: object): Promise<Ack<CommandResult> | null> {
    this.pending++;
    try {
      return (await this.socket.timeout(10_000).emitWithAck(event, payload)) as Ack<CommandResult>;
    } catch {
      return null;
    } finally {
      this.pending--;
    }
  }

  /**
   * Why question `id`'s answer is right, from its reveal's log entry: the class's copy of the
   * question leaves the explanation out until then (the server keeps answers from all but the
   * instructor until the reveal). Empty before the reveal, or when this page holds no such entry.
   */
  revealNote(id: number): string {
    void this.version;
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.type === 'checkpointRevealed' && e.id === id) return this.items[i]?.explanation ?? '';
    }
    return '';
  }

  /**
   * The server sends the class a closed question's answers under keys that name nobody
   * (docs/protocol/sessions.md, 2.10); this page knows its own answer, and puts its node's name back on it.
   */
  #withMyAnswer(e: RoomEvent): RoomEvent {
    const q = this.question;
    if (e.type !== 'checkpointClosed' || !this.node || q?.id !== e.id || q.mine === null || this.node in e.answers) return e;
    const key = Object.keys(e.answers).find((k) => k.startsWith('?') && e.answers[k] === q.mine);
    if (key === undefined) return e;
    const { [key]: _, ...others } = e.answers;
    return { ...e, answers: { ...others, [this.node]: q.mine } };
  }

  /** Sends this student's answer to the open question; once the server has it, it is locked in. */
  async answer(id: number, option: number): Promise<boolean> {
    const result = await this.request('checkpoint:answer', { id, option });
    if (result?.checkpoint) this.question = { id, answered: result.checkpoint.answered, endsAt: Date.now() + result.checkpoint.remainingMs, mine: result.checkpoint.mine };
    return result !== null;
  }

  /** The class analytics (the instructor's) or this student's own; null, with a notice, when it could not be had. */
  async analytics(): Promise<ClassAnalytics | null> {
    const result = (await this.request('room:analytics', {})) as (CommandResult & Partial<AnalyticsReply>) | null;
    return result?.analytics ?? null;
  }

  notify(kind: Notice['kind'], text: string, seq?: number): void {
    this.notices = [...this.notices.slice(-4), { id: ++noticeIds, kind, text, ...(seq !== undefined ? { seq } : {}) }];
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * How long a join page waits for its answer before it says to try again. The answer holds
 * the room's newest records (up to 200): on a phone's slow network that is seconds, and
 * the join goes on over every reconnection meanwhile; a retry with the same join id is
 * answered with the same session anyway.
 */
export const JOIN_ANSWER_MS = 60_000;

/** A session a join page opened, for the room's page it goes to next: its connection and log go on there. */
let handedOver: RoomSession | null = null;

/**
 * Joins a room by code with the join's id, on a session that the room's page then takes over
 * (`sessionFor`): one connection and one download of the log. Resolves once the page is in,
 * or with why not; a page that gives up closes the session, and the server takes back a join
 * its page never confirmed.
 */
export async function joinRoom(code: string, join: JoinRequest): Promise<JoinOutcome> {
  const session = new RoomSession(code, null, join);
  // Two failures once long-polling is in place (or cannot be loaded): the server is out of reach.
  let failures = 0;
  const unreachable = new Promise<JoinOutcome>((resolve) => {
    const message = 'The server cannot be reached: check your connection and try again.';
    session.socket.on('connect_error', () => {
      if (!session.socket.active) resolve({ ok: false, message }); // refused by the server: no more attempts
      else if (fallbackSettled(session.socket) && ++failures >= 2) resolve({ ok: false, message });
    });
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<JoinOutcome>((resolve) => (timer = setTimeout(() => resolve({ ok: false, message: 'No answer from the server: try again.' }), JOIN_ANSWER_MS)));
  const outcome = await Promise.race([session.joined, unreachable, late]);
  clearTimeout(timer);
  if (!outcome.ok) session.close();
  else {
    handedOver?.close();
    handedOver = session;
  }
  return outcome;
}

/** The session of room `code` for its page: the one a join just opened, or a new one that resumes with the saved token. */
export function sessionFor(code: string): RoomSession {
  const joined = handedOver;
  handedOver = null;
  if (joined?.code === code) return joined;
  joined?.close();
  return new RoomSession(code);
}

/**
 * A folded record's summary, and its lines printed once, when first asked for, from a copy of
 * `live` (the state before `event`) by the annotation code, loaded only then (history.ts): a
 * phone pays for a bulk delivery's thousands of lines only if someone reads them. Null for a
 * record sent whole.
 */
function foldedItem(r: LogRecord, live: RoomState, event: RoomEvent): LogItem['folded'] | null {
  const summary = folds().foldedSummary(r);
  if (!summary) return null;
  const before = folds().cloneRoomState(live);
  let lines: Promise<readonly string[]> | null = null;
  return { summary, all: () => (lines ??= import('./history').then((h) => h.unfold(before, event))) };
}
