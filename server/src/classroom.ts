/**
 * The classroom: its rooms, the joins and sessions into them, and the commands of the
 * protocol, with no transport. The socket layer calls these methods and passes a
 * `Broadcaster` that knows how to reach the sockets.
 *
 * Every change is decided by the shared core and applied in memory at once (room.ts), so
 * the next command is decided against it; it then waits in the commit pipeline
 * (commit.ts), which saves each batch before anyone hears of it.
 */
import {
  analyticsFor,
  CHECKPOINT_LIMITS,
  classAnalytics,
  decide,
  decideOpenCheckpoint,
  DEFAULT_SETTINGS,
  REFUSAL_CODES,
  revealStep,
  successorState,
  INSTRUCTOR_EVENTS,
  NODE_EVENTS,
  PROTOCOL_VERSION,
  RECENT_RECORDS,
  type AnalyticsReply,
  type HistoryEvent,
  type HistoryPage,
  type AckError,
  type ClientEventName,
  type ClientPayload,
  type CommandResult,
  type ErrorCode,
  type LogRecord,
  type Role,
  type RoomCommand,
  type RoomEvent,
  type RoomInfo,
  type RoomState,
  type SessionInfo,
  type TimelineInfo,
} from '@toy-paxos/shared';
import { applyCommitted, catchUp } from './catch-up';
import { answerProblem, answersToClose, checkpointStatus, forTheClass, openQuestion } from './checkpoints';
import { CommitPipeline, SAVE_FAILED, type Pending } from './commit';
import type { PeerMessage, Peers } from './peers';
import type { ServerLimits } from './config';
import { applyInSlices, participantId, Room, type ImportedLog, type Participant, type RecentLog } from './room';
import { randomInt } from 'node:crypto';
import { hashToken, newRoomCode, newToken, TokenBucket } from './security';
import type { RoomChange, Store, StoredBranch, StoredParticipant, StoredRoom } from './store';

/** Times an operation is decided, when other server processes keep committing to its room first. */
const ATTEMPTS_MAX = 8;

/** Reaches the sockets of a room. Implemented by the socket layer; a test can record calls. */
export interface Broadcaster {
  /** New records; `forClass`, when given, is what every role but the instructor gets (answers not revealed yet taken out). */
  records(code: string, records: readonly LogRecord[], forClass?: readonly LogRecord[]): void;
  presence(code: string, info: RoomInfo): void;
  /** The instructor presents the log at `seq` to every screen (null: released). */
  replay(code: string, seq: number | null): void;
  /** The room plays on another timeline: every screen replaces its log with `base` and `records` (`forClass` as for `records`). */
  timeline(code: string, info: TimelineInfo, recent: RecentLog, forClass?: RecentLog): void;
  /** Ends the sessions (removed or expired) and disconnects their sockets. */
  ended(code: string, tokenHashes: readonly string[], reason: 'removed' | 'expired' | 'revoked'): void;
  /** How many have answered the open question `id` so far. */
  answered(code: string, id: number, answered: number): void;
}

/** Who a connected socket is. */
export interface Session {
  readonly tokenHash: string;
  readonly code: string;
  readonly role: Role;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AckError };

/** Receives the outcome of an operation: at once when refused, after the commit when it succeeds. */
export type Reply<T> = (outcome: Outcome<T>) => void;

/** Timelines a room keeps at most (the main one included). */
const BRANCHES_MAX = 20;

function fail(code: ErrorCode, message: string): { ok: false; error: AckError } {
  return { ok: false, error: { code, message } };
}

export interface ClassroomOptions {
  readonly store: Store;
  readonly limits: ServerLimits;
  readonly broadcaster: Broadcaster;
  readonly publicUrl: string;
  /** Draws a room code (a cryptographic draw by default; tests pass one that collides). */
  readonly roomCode?: () => string;
  /** The other server processes that share the store, when there are any. */
  readonly peers?: Peers;
}

/** A drawn code that is taken is drawn again, this many times in all, before creation gives up. */
const CODE_DRAWS_MAX = 5;

export class Classroom {
  readonly #rooms = new Map<string, Room>();
  readonly #byToken = new Map<string, Room>();
  readonly #store: Store;
  readonly #limits: ServerLimits;
  readonly #out: Broadcaster;
  readonly #publicUrl: string;
  readonly #drawCode: () => string;
  /** Codes of rooms being created: a concurrent creation must not draw one of them. */
  readonly #reservedCodes = new Set<string>();
  readonly #commits: CommitPipeline;
  /** Rooms being created (counted against the limit until they are committed). */
  #creating = 0;
  readonly #peers: Peers | null;
  /** Rooms being read from the store, by code. */
  readonly #loading = new Map<string, Promise<void>>();
  /** Decides the operation being run now again, after a conflict (see `#operation`). */
  #retry: (() => void) | undefined;
  /** Which attempt of it this is (1: the first). */
  #attempt = 1;

  constructor(options: ClassroomOptions) {
    this.#store = options.store;
    this.#limits = options.limits;
    this.#out = options.broadcaster;
    this.#publicUrl = options.publicUrl;
    this.#drawCode = options.roomCode ?? newRoomCode;
    this.#peers = options.peers ?? null;
    const peers = this.#peers;
    this.#commits = new CommitPipeline(this.#store, {
      send: (code, records) => this.#sendRecords(code, records),
      catchUp: async (codes) => {
        for (const code of codes) await this.#catchUp(code);
      },
      committed: peers
        ? (changes) => {
            // An import's events are read from the store: they are too many for a message.
            if (changes.length) peers.send({ kind: 'committed', changes: changes.map(({ eventSlices: _, ...c }) => c) });
          }
        : undefined,
    });
    peers?.listen(
      {
        message: (from, message) => this.#fromPeer(from, message),
        joined: () => {
          for (const room of this.#rooms.values()) {
            for (const tokenHash of room.online.keys()) if ((room.online.get(tokenHash) ?? 0) > 0) peers.send({ kind: 'online', code: room.code, tokenHash, online: true });
            if (room.presenting !== null) peers.send({ kind: 'present', code: room.code, seq: room.presenting });
            if (room.shareToken) peers.send({ kind: 'share', code: room.code, token: room.shareToken });
          }
        },
        gone: (id) => {
          for (const room of this.#rooms.values()) {
            const before = JSON.stringify(room.info());
            for (const [hash, on] of room.elsewhere) if (on.delete(id) && on.size === 0) room.elsewhere.delete(hash);
            if (JSON.stringify(room.info()) !== before) this.#out.presence(room.code, room.info());
          }
        },
      },
    );
  }

  /**
   * Runs an operation. If its commit meets a conflict (another process committed to its room
   * first), the room catches up and the operation runs again, up to ATTEMPTS_MAX times.
   */
  #operation(op: () => void, attempt = 1): void {
    const outer = { retry: this.#retry, attempt: this.#attempt };
    this.#retry = attempt < ATTEMPTS_MAX ? () => this.#operation(op, attempt + 1) : undefined;
    this.#attempt = attempt;
    try {
      op();
    } finally {
      this.#retry = outer.retry;
      this.#attempt = outer.attempt;
    }
  }

  /** Queues a change of the operation being run for the next commit. */
  #enqueue(p: Omit<Pending, 'epoch' | 'retry'>): void {
    this.#commits.enqueue({ ...p, epoch: p.room.epoch, retry: this.#retry });
  }

  /** Where students join a room: the one address every page shows, in links and QR codes. */
  joinUrl(code: string): string {
    return `${this.#publicUrl}/join/${code}`;
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  /** Restores every room from the store: its participants and its whole log. */
  async restore(nowMs: number): Promise<{ rooms: number; events: number }> {
    let events = 0;
    for (const stored of await this.#store.loadRooms()) {
      if (stored.expiresAt <= nowMs) {
        void this.#store.deleteRoom(stored.code, nowMs).catch(() => undefined);
        continue;
      }
      this.#restoreRoom(stored);
      for (const list of stored.events.values()) events += list.length;
    }
    return { rooms: this.#rooms.size, events };
  }

  #restoreRoom(stored: StoredRoom): void {
    const room = new Room(stored.code, stored.createdAt, stored.expiresAt, stored.settings);
    room.locked = stored.locked;
    for (const e of stored.events.get(0) ?? []) room.restore([e.event], e.at);
    for (const meta of stored.branches) {
      const timeline = room.fork(meta);
      for (const e of stored.events.get(meta.id) ?? []) room.restore([e.event], e.at, timeline);
    }
    room.active = room.timelines.has(stored.activeBranch) ? stored.activeBranch : 0;
    for (const t of room.timelines.values()) t.committed = t.log.length;
    room.answers.replace(stored.answers);
    room.refusals = { ...stored.refusals };
    for (const p of stored.participants) this.#addParticipant(room, p);
    this.#rooms.set(room.code, room);
  }

  /**
   * Brings a room up to what the store holds (catch-up.ts): after a failed commit, or when
   * another process committed what this one has not heard of. Runs between commits. A room
   * this process does not hold is read whole; one the store no longer has is dropped.
   */
  async #catchUp(code: string): Promise<void> {
    const room = this.#rooms.get(code);
    if (!room) return this.#find(code).then(() => undefined);
    const after = new Map([...room.timelines].map(([id, t]) => [id, Math.min(t.committed, t.log.length)]));
    const stored = await this.#store.loadRoom(code, after);
    if (this.#rooms.get(code) !== room) return;
    if (!stored) return this.#drop(room, 'expired');
    const caught = catchUp(room, stored);
    if (caught.timeline) this.#sendTimeline(room);
    this.#changedElsewhere(room, caught);
  }

  /**
   * A room this process does not hold (another process opened it), read from the store when
   * the store has it. Resolves with whether the room is here now.
   */
  async #find(code: string): Promise<boolean> {
    if (this.#rooms.has(code)) return true;
    if (!this.#peers) return false;
    let loading = this.#loading.get(code);
    if (!loading) {
      loading = this.#store
        .loadRoom(code)
        .then((stored) => {
          if (stored && !this.#rooms.has(code)) this.#restoreRoom(stored);
        })
        .finally(() => this.#loading.delete(code));
      this.#loading.set(code, loading);
    }
    await loading;
    return this.#rooms.has(code);
  }

  /** Whether there is a room with this code, here or (with many processes) in the store. */
  findRoom(code: string): Promise<boolean> {
    return this.#find(code).catch(() => false);
  }

  /** Forgets a room that is gone from the store, and ends its sessions here. */
  #drop(room: Room, reason: 'expired'): void {
    if (this.#rooms.get(room.code) !== room) return;
    this.#rooms.delete(room.code);
    const tokens = [...room.participants.keys()];
    for (const t of tokens) this.#byToken.delete(t);
    this.#out.ended(room.code, tokens, reason);
  }

  /** What another server process tells this one. */
  #fromPeer(from: string, message: PeerMessage): void {
    switch (message.kind) {
      case 'committed':
        for (const change of message.changes) this.#committedElsewhere(change);
        return;
      case 'present': {
        const room = this.#rooms.get(message.code);
        if (!room) return;
        const show = () => {
          if (message.seq !== null && message.seq > room.log.length) return;
          room.presenting = message.seq;
          this.#out.replay(room.code, message.seq);
        };
        if (message.seq !== null && message.seq > room.timeline.committed) void this.#commits.exclusive(() => this.#catchUp(room.code)).then(show, () => undefined);
        else show();
        return;
      }
      case 'share': {
        const room = this.#rooms.get(message.code);
        if (room) room.shareToken = message.token;
        return;
      }
      case 'online': {
        const room = this.#rooms.get(message.code);
        if (!room) return;
        const before = room.isOnline(message.tokenHash);
        let on = room.elsewhere.get(message.tokenHash);
        if (message.online) {
          if (!on) room.elsewhere.set(message.tokenHash, (on = new Set()));
          on.add(from);
        } else if (on?.delete(from) && on.size === 0) room.elsewhere.delete(message.tokenHash);
        if (room.isOnline(message.tokenHash) !== before) this.#out.presence(room.code, room.info());
        return;
      }
      case 'expired': {
        const room = this.#rooms.get(message.code);
        if (room) this.#drop(room, 'expired');
        return;
      }
    }
  }

  /**
   * A change another process committed. Events that follow what this process holds are
   * applied and sent to its sockets at once; anything else (a gap, a fork, a room it does
   * not hold, changes of its own waiting to be committed) is read from the store.
   */
  #committedElsewhere(change: Omit<RoomChange, 'eventSlices'>): void {
    const room = this.#rooms.get(change.code);
    if (!room) {
      if (change.create) void this.#find(change.code).catch(() => undefined);
      return;
    }
    if (change.create) return;
    const heard = applyCommitted(room, change);
    if (heard.kind === 'gap') return void this.#commits.exclusive(() => this.#catchUp(room.code)).catch(() => undefined);
    if (heard.kind === 'known') return;
    this.#changedElsewhere(room, heard);
    if (change.answers?.length) this.#tellAnswered(room);
  }

  /** Tells this process's sockets what another process changed in a room: records, sessions ended, presence. */
  #changedElsewhere(room: Room, changed: { records: readonly LogRecord[]; added: readonly StoredParticipant[]; removed: readonly StoredParticipant[]; presence: boolean }): void {
    for (const p of changed.added) this.#byToken.set(p.tokenHash, room);
    for (const p of changed.removed) this.#byToken.delete(p.tokenHash);
    if (room.shareToken && !room.participants.has(hashToken(room.shareToken))) room.shareToken = null;
    if (changed.records.length) this.#sendRecords(room.code, changed.records);
    const ended = (viewers: boolean) => changed.removed.filter((p) => (p.role === 'viewer') === viewers).map((p) => p.tokenHash);
    if (ended(false).length) this.#out.ended(room.code, ended(false), 'removed');
    if (ended(true).length) this.#out.ended(room.code, ended(true), 'revoked');
    if (changed.presence) this.#out.presence(room.code, room.info());
  }


  /** Broadcasts records: to the instructor as they are, to everyone else without the answers not revealed yet. */
  #sendRecords(code: string, records: readonly LogRecord[]): void {
    const room = this.#rooms.get(code);
    const forClass = room ? forTheClass(room).records(records) : records;
    this.#out.records(code, records, forClass === records ? undefined : forClass);
  }

  /** Tells every screen the room plays on another timeline, the class without the answers not revealed yet. */
  #sendTimeline(room: Room): void {
    const recent = room.recent(0, RECENT_RECORDS);
    const hide = forTheClass(room);
    const forClass = { base: hide.state(recent.base), records: [...hide.records(recent.records)] };
    this.#out.timeline(room.code, room.timelineInfo(), recent, forClass.base === recent.base && forClass.records.every((r, i) => r === recent.records[i]) ? undefined : forClass);
  }

  #addParticipant(room: Room, p: StoredParticipant): void {
    room.participants.set(p.tokenHash, { ...p });
    this.#byToken.set(p.tokenHash, room);
  }

  /**
   * Opens a room, empty or starting from an imported log (validated already); resolves
   * with its code and the instructor's token once it is committed.
   */
  async createRoom(nowMs: number, from?: ImportedLog): Promise<Outcome<{ code: string; instructorToken: string }>> {
    if (this.#rooms.size + this.#creating >= this.#limits.roomsMax) {
      return fail('room-full', `This server holds ${this.#limits.roomsMax} rooms already; try again later or ask its administrator.`);
    }
    if (from && from.count > this.#limits.eventsPerRoomMax) {
      return fail('log-full', `The file has ${from.count} events; a room holds at most ${this.#limits.eventsPerRoomMax}.`);
    }
    const settings = from?.initial.settings ?? DEFAULT_SETTINGS;
    const token = newToken();
    const instructor: StoredParticipant = { tokenHash: hashToken(token), role: 'instructor', node: null, name: 'Instructor', createdAt: nowMs };
    const expiresAt = nowMs + this.#limits.roomTtlMs;
    // The store takes its copy of an import's events over; a second draw needs another.
    let storeJson = from?.storeJson ?? null;
    const takeStoreJson = (): Uint8Array => {
      const json = storeJson ?? from!.json.slice();
      storeJson = null;
      return json;
    };
    let code: string | null = null;
    this.#creating++;
    try {
      for (let draw = 0; draw < CODE_DRAWS_MAX && code === null; draw++) {
        const candidate = this.#drawCode();
        if (this.#rooms.has(candidate) || this.#reservedCodes.has(candidate)) continue;
        this.#reservedCodes.add(candidate);
        try {
          await this.#store.commit([{ code: candidate, create: { createdAt: nowMs, settings }, expiresAt, participants: [instructor], ...(from ? { eventSlices: { json: takeStoreJson(), sliceEnds: from.sliceEnds } } : {}) }]);
          code = candidate;
        } catch {
          // Taken in the store but not in memory (a room another process opened, or one
          // being deleted): draw again. Any other failure is the disk's.
          this.#reservedCodes.delete(candidate);
          if (!(await this.#store.loadRoom(candidate).catch(() => null))) return { ok: false, error: SAVE_FAILED };
        }
      }
      if (code === null) return fail('server-error', `No free room code came up in ${CODE_DRAWS_MAX} draws; try again in a moment.`);
      // Still reserved and counted while its log is built.
      const room = new Room(code, nowMs, expiresAt, settings);
      await applyInSlices(room, from, nowMs);
      room.timeline.committed = room.log.length;
      this.#rooms.set(code, room);
      this.#addParticipant(room, instructor);
      this.#peers?.send({ kind: 'committed', changes: [{ code, create: { createdAt: nowMs, settings }, expiresAt }] });
      return { ok: true, value: { code, instructorToken: token } };
    } finally {
      if (code !== null) this.#reservedCodes.delete(code);
      this.#creating--;
    }
  }

  /** Who is in the room and online now. */
  roomInfo(code: string): RoomInfo | null {
    return this.#rooms.get(code)?.info() ?? null;
  }

  /** Public facts about a room, for the join page. */
  roomSummary(code: string): { code: string; locked: boolean; nodes: number } | null {
    const room = this.#rooms.get(code);
    return room ? { code, locked: room.locked, nodes: room.log.state.order.length } : null;
  }

  /** A new participant joins by code: a student becomes one node; an observer only watches. */
  join(payload: ClientPayload<'room:join'>, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>, looked = false): void {
    const room = this.#rooms.get(payload.code);
    if (!room && !looked && this.#peers) {
      // Opened by another process, perhaps a moment ago.
      void this.findRoom(payload.code).then(() => this.join(payload, nowMs, reply, true));
      return;
    }
    if (!room) return reply(fail('room-not-found', `There is no room ${payload.code}. Check the code with your instructor.`));
    this.#operation(() => this.#join(room, payload, nowMs, reply));
  }

  #join(room: Room, payload: ClientPayload<'room:join'>, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>): void {
    if (this.#rooms.get(room.code) !== room) return reply(fail('room-not-found', `There is no room ${payload.code}. Check the code with your instructor.`));
    if (room.locked) return reply(fail('room-locked', 'The instructor has locked this room: ask them to unlock it to let you in.'));
    const token = newToken();
    const tokenHash = hashToken(token);
    let participant: StoredParticipant;
    let events: readonly RoomEvent[] = [];
    let pruned: string[] = [];
    if (payload.role === 'student') {
      if (room.log.state.order.length >= this.#limits.nodesPerRoomMax) {
        return reply(fail('room-full', `This room has ${this.#limits.nodesPerRoomMax} nodes, its limit; join as an observer to watch.`));
      }
      const full = this.#logFull(room, 1);
      if (full) return reply(full);
      const node = room.nextNodeId();
      const name = room.uniqueName(payload.name);
      const decision = decide(room.log.state, { type: 'addNode', node, name });
      if (!decision.ok) return reply(fail(decision.code, decision.explanation));
      participant = { tokenHash, role: 'student', node, name, createdAt: nowMs };
      events = decision.events;
    } else {
      // Only observers who are watching (or on their way in) count; offline ones (a projector
      // closed and opened again) make room when it is needed: their sessions end.
      const observers = [...room.participants.values()].filter((p) => p.role === 'observer');
      const watching = observers.filter((p) => room.isOnline(p.tokenHash) || room.joining.has(p.tokenHash));
      if (watching.length >= this.#limits.observersPerRoomMax) {
        return reply(fail('room-full', `This room has ${this.#limits.observersPerRoomMax} observers, its limit.`));
      }
      if (observers.length >= this.#limits.observersPerRoomMax) pruned = observers.filter((p) => !watching.includes(p)).map((p) => p.tokenHash);
      participant = { tokenHash, role: 'observer', node: null, name: payload.name, createdAt: nowMs };
    }
    for (const h of pruned) this.#forget(room, h);
    this.#addParticipant(room, participant);
    room.joining.add(tokenHash);
    const joined = (outcome: Outcome<{ session: Session; info: SessionInfo }>) => {
      room.joining.delete(tokenHash);
      reply(outcome);
    };
    this.#change(room, nowMs, events, { participants: [participant], removeParticipants: pruned }, joined, () => {
      if (pruned.length) this.#out.ended(room.code, pruned, 'removed');
      joined({ ok: true, value: this.#sessionInfo(room, room.participants.get(tokenHash)!, token, 0, nowMs) });
    });
  }

  /**
   * Takes back a join whose socket closed before it was answered: nobody holds its token,
   * and a node nobody holds would count toward every quorum for good. Its node is removed
   * (the log shows it join and leave), so a retry with the same name gets that name.
   */
  abandon(session: Session, nowMs: number): void {
    this.#operation(() => {
      const room = this.#rooms.get(session.code);
      const p = room?.participants.get(session.tokenHash);
      if (!room || !p || room.isOnline(p.tokenHash)) return;
      this.#remove(room, p.node, p, nowMs, () => undefined);
    });
  }

  /** Drops a participant from memory (its row goes in the same change). */
  #forget(room: Room, tokenHash: string): void {
    room.participants.delete(tokenHash);
    room.online.delete(tokenHash);
    room.joining.delete(tokenHash);
    this.#byToken.delete(tokenHash);
  }

  /**
   * Removes a node, a participant, or a student and its node together; the participant's
   * session ends. `node` is null for a participant without one (the instructor never comes here).
   */
  #remove(room: Room, node: string | null, owner: Participant | undefined, nowMs: number, reply: Reply<CommandResult>): void {
    let events: readonly RoomEvent[] = [];
    if (node !== null && (room.log.state.nodes[node] || !owner)) {
      const decision = decide(room.log.state, { type: 'removeNode', node });
      if (!decision.ok) return reply(fail(decision.code, decision.explanation));
      const full = this.#logFull(room, decision.events.length);
      if (full) return reply(full);
      events = decision.events;
    }
    if (owner) this.#forget(room, owner.tokenHash);
    // The replay link's viewer is the link itself: removing it revokes the link.
    const viewer = owner?.role === 'viewer';
    if (viewer) room.shareToken = null;
    const seqStart = room.log.length + 1;
    this.#change(room, nowMs, events, owner ? { removeParticipants: [owner.tokenHash] } : {}, reply, () => {
      if (owner) this.#out.ended(room.code, [owner.tokenHash], viewer ? 'revoked' : 'removed');
      this.#out.presence(room.code, room.info());
      reply({ ok: true, value: { seqs: events.map((_, i) => seqStart + i) } });
    });
  }

  /**
   * Older events of the active timeline, for a page that got only the newest with its
   * session: `from..to` (committed ones only), with the state before them, and their
   * text only when asked for. Any role may read; nothing changes.
   */
  history(session: Session, payload: ClientPayload<'room:history'>, reply: Reply<{ history: HistoryPage }>): void {
    const room = this.#rooms.get(session.code);
    if (!room || !room.participants.has(session.tokenHash)) return reply(fail('bad-token', 'Your session has ended. Join the room again with its code.'));
    const { from, to, text } = payload;
    const length = room.timeline.committed;
    if (length === 0) return reply(fail('bad-request', 'The log has no events yet: there is no history to fetch.'));
    if (to > length) return reply(fail('bad-request', `The log has ${length} events: ask for events up to ${length}.`));
    const t = room.timeline;
    const records = text
      ? room.records(from, to)
      : t.log.eventsBetween(from, to).map((event, i) => ({ seq: from + i, at: t.times.at(from + i), event }));
    const base = t.log.stateAt(from - 1);
    if (session.role === 'instructor') return reply({ ok: true, value: { history: { branch: room.active, base, records } } });
    const hide = forTheClass(room);
    reply({ ok: true, value: { history: { branch: room.active, base: hide.state(base)!, records: [...hide.records<HistoryEvent | LogRecord>(records)] } } });
  }

  /** A participant comes back with its token, the last seq it has, and the timeline that seq is on. */
  resume(token: string, lastSeq: number, branch: number | undefined, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>, looked = false): void {
    const tokenHash = hashToken(token);
    const room = this.#byToken.get(tokenHash);
    const behind = !room || lastSeq > room.timeline.committed || (branch !== undefined && !room.timelines.has(branch));
    if (behind && !looked && this.#peers) {
      // A session from another process (one that stopped, perhaps), or a log this one has not heard all of yet.
      const again = () => this.resume(token, lastSeq, branch, nowMs, reply, true);
      void this.#store
        .roomOfToken(tokenHash)
        .then((code) => (code ? this.#commits.exclusive(() => this.#catchUp(code)) : undefined))
        .then(again, again);
      return;
    }
    if (!room || !room.participants.has(tokenHash)) {
      return reply(fail('bad-token', 'This session is not known here: it ended, or the room expired. Join the room again with its code.'));
    }
    if (branch !== undefined && branch !== room.active) lastSeq = 0; // another timeline: send all of this one
    if (lastSeq > room.log.length) {
      return reply(fail('bad-request', `lastSeq ${lastSeq} is ahead of this room's log (${room.log.length} events): clear your copy and resume from 0.`));
    }
    // After the pending commit, so that the records it gets are all committed.
    const answer = () =>
      this.#enqueue({
        room,
        change: null,
        records: [],
        done: () => {
          const p = room.participants.get(tokenHash);
          if (!p || this.#rooms.get(room.code) !== room) return reply(fail('bad-token', 'This session has just ended. Join the room again with its code.'));
          reply({ ok: true, value: this.#sessionInfo(room, p, token, lastSeq, nowMs) });
        },
        failed: (error) => reply({ ok: false, error }),
      });
    this.#operation(answer);
  }

  #sessionInfo(room: Room, p: Participant, token: string, lastSeq: number, nowMs: number): { session: Session; info: SessionInfo } {
    return {
      session: { tokenHash: p.tokenHash, code: room.code, role: p.role },
      info: {
        token,
        role: p.role,
        code: room.code,
        node: p.node,
        name: p.node ? room.log.state.nodes[p.node]?.name ?? p.name : p.name,
        // Only what is on disk (records still being committed follow by broadcast), and only the newest;
        // the class without the answers not revealed yet.
        ...this.#recentFor(room, p, lastSeq),
        room: room.info(),
        settings: room.log.initial.settings,
        presenting: room.presenting,
        timeline: room.timelineInfo(),
        joinUrl: this.joinUrl(room.code),
        protocolVersion: PROTOCOL_VERSION,
        checkpoint: checkpointStatus(room, p, nowMs),
      },
    };
  }

  #recentFor(room: Room, p: Participant, lastSeq: number): { base: RoomState | null; records: LogRecord[] } {
    const recent = room.recent(lastSeq, RECENT_RECORDS);
    if (p.role === 'instructor') return recent;
    const hide = forTheClass(room);
    return { base: hide.state(recent.base), records: [...hide.records(recent.records)] };
  }

  /**
   * The class analytics from the active timeline's log and the refusals counted: the whole
   * class's for the instructor, a student's own answers and score only.
   */
  analytics(session: Session, reply: Reply<AnalyticsReply>): void {
    const room = this.#rooms.get(session.code);
    const p = room?.participants.get(session.tokenHash);
    if (!room || !p) return reply(fail('bad-token', 'Your session has ended. Join the room again with its code.'));
    if (p.role !== 'instructor' && p.role !== 'student') return reply(fail('forbidden', 'Only the instructor sees the class analytics, and each student their own.'));
    const all = classAnalytics(room.log.initial, room.log.events, room.refusals);
    reply({ ok: true, value: { analytics: p.role === 'instructor' ? all : analyticsFor(all, p.node) } });
  }

  /** A student's answer to the open question: held (and stored) until the question closes; the room hears how many have answered. */
  #answer(room: Room, p: Participant, payload: ClientPayload<'checkpoint:answer'>, nowMs: number, reply: Reply<CommandResult>): void {
    const problem = answerProblem(room, p, payload, nowMs);
    if (problem === 'again') return reply({ ok: true, value: { seqs: [], checkpoint: checkpointStatus(room, p, nowMs)! } });
    if (problem) return reply({ ok: false, error: problem });
    const answer = { branch: room.active, checkpoint: payload.id, node: p.node!, option: payload.option };
    room.answers.hold(answer);
    this.#enqueue({
      room,
      change: { code: room.code, expiresAt: room.expiresAt, answers: [answer] },
      records: [],
      done: () => {
        this.#tellAnswered(room);
        reply({ ok: true, value: { seqs: [], checkpoint: checkpointStatus(room, p, nowMs) ?? { id: payload.id, answered: 0, remainingMs: 0, mine: payload.option } } });
      },
      failed: (error) => reply({ ok: false, error }),
    });
  }

  /** Tells the room how many have answered its open question. */
  #tellAnswered(room: Room): void {
    const c = openQuestion(room);
    if (c) this.#out.answered(room.code, c.id, room.answers.of(room.active, c.id).size);
  }

  /** Counts a refusal of the rules for the class analytics; the count is stored with the room. */
  #countRefusal(room: Room, code: ErrorCode): void {
    if (!(REFUSAL_CODES as readonly string[]).includes(code)) return;
    room.refusals[code] = (room.refusals[code] ?? 0) + 1;
    this.#enqueue({ room, change: { code: room.code, expiresAt: room.expiresAt, refusals: { [code]: 1 } }, records: [], done: () => undefined, failed: () => undefined });
  }

  /** A socket of this session connected (+1) or disconnected (-1); presence is broadcast when it changes. */
  setOnline(session: Session, delta: 1 | -1): void {
    const room = this.#rooms.get(session.code);
    if (!room || !room.participants.has(session.tokenHash)) return;
    const before = room.online.get(session.tokenHash) ?? 0;
    const after = Math.max(0, before + delta);
    const wasOnline = room.isOnline(session.tokenHash);
    room.online.set(session.tokenHash, after);
    if ((before > 0) !== (after > 0)) this.#peers?.send({ kind: 'online', code: room.code, tokenHash: session.tokenHash, online: after > 0 });
    if (wasOnline !== room.isOnline(session.tokenHash)) this.#out.presence(room.code, room.info());
  }

  /** Runs one client command for `session`. Validation of the payload has happened already. */
  command<E extends ClientEventName>(session: Session, event: E, payload: ClientPayload<E>, nowMs: number, reply: Reply<CommandResult>): void {
    this.#operation(() => this.#command(session, event, payload, nowMs, reply));
  }

  #command<E extends ClientEventName>(session: Session, event: E, payload: ClientPayload<E>, nowMs: number, reply: Reply<CommandResult>): void {
    const room = this.#rooms.get(session.code);
    const participant = room?.participants.get(session.tokenHash);
    if (!room || !participant) return reply(fail('bad-token', 'Your session has ended. Join the room again with its code.'));
    if (event === 'checkpoint:answer') return this.#answer(room, participant, payload as ClientPayload<'checkpoint:answer'>, nowMs, reply);
    if (participant.role === 'observer' || participant.role === 'viewer') {
      return reply(fail('forbidden', 'This is a read-only view of the room; join as a student to control a node.'));
    }
    if (participant.role === 'student' && INSTRUCTOR_EVENTS.includes(event)) {
      return reply(fail('forbidden', 'Only the instructor controls the network and the room.'));
    }
    if (event === 'room:lock') {
      const { locked } = payload as ClientPayload<'room:lock'>;
      room.locked = locked;
      return this.#change(room, nowMs, [], { locked }, reply, () => {
        this.#out.presence(room.code, room.info());
        reply({ ok: true, value: { seqs: [] } });
      });
    }
    if (event === 'replay:present') {
      const { seq } = payload as ClientPayload<'replay:present'>;
      if (seq !== null && seq > room.log.length) {
        return reply(fail('bad-request', `The log has ${room.log.length} events; there is no event ${seq} to present.`));
      }
      // After the pending commit, so that every screen has the events it is asked to show.
      return this.#enqueue({
        room,
        change: null,
        records: [],
        done: () => {
          // The timeline may have changed meanwhile.
          if (seq !== null && seq > room.log.length) {
            return reply(fail('bad-request', `The log has ${room.log.length} events; there is no event ${seq} to present.`));
          }
          room.presenting = seq;
          this.#out.replay(room.code, seq);
          this.#peers?.send({ kind: 'present', code: room.code, seq });
          reply({ ok: true, value: { seqs: [] } });
        },
        failed: (error) => reply({ ok: false, error }),
      });
    }
    if (event === 'branch:fork' || event === 'branch:switch') return this.#branch(room, event, payload, nowMs, reply);
    if (event === 'share:create' || event === 'share:revoke') return this.#share(room, event, nowMs, reply);
    if (event === 'participant:remove') {
      const { node, id } = payload as ClientPayload<'participant:remove'>;
      const owner = [...room.participants.values()].find((p) => (id === undefined ? p.node === node : participantId(p.tokenHash) === id));
      if (owner?.role === 'instructor') return reply(fail('bad-request', 'The instructor cannot be removed from their own room.'));
      if (id !== undefined && !owner) return reply(fail('unknown-node', 'There is no participant with that id in this room.'));
      return this.#remove(room, owner ? owner.node : node!, owner, nowMs, reply);
    }
    const mapped = this.#toCommand(room, participant, event, payload);
    if (!mapped.ok) return reply(mapped);
    const { command } = mapped.value;
    const adding = command.type === 'addNode' ? 1 : command.type === 'addNodes' ? command.nodes.length : 0;
    if (adding && room.log.state.order.length + adding > this.#limits.nodesPerRoomMax) {
      const now = room.log.state.order.length;
      return reply(fail('room-full', now >= this.#limits.nodesPerRoomMax ? `This room has ${this.#limits.nodesPerRoomMax} nodes, its limit.` : `This room has ${now} nodes and holds at most ${this.#limits.nodesPerRoomMax}: add at most ${this.#limits.nodesPerRoomMax - now}.`));
    }
    // An empty budget is refused before the core decides: deciding a request to every node
    // of a large room is the costly part of a command.
    const spent = this.#growthRefused(room, participant, 1, nowMs, false);
    if (spent) return reply(spent);
    // A question asked while the instructor presents an earlier moment is about that moment.
    const decision =
      command.type === 'openCheckpoint' && room.presenting !== null
        ? decideOpenCheckpoint(room.log.state, command.spec, command.seconds ?? CHECKPOINT_LIMITS.seconds, { state: room.log.stateAt(room.presenting), seq: room.presenting })
        : decide(room.log.state, command);
    if (!decision.ok) {
      this.#countRefusal(room, decision.code);
      return reply(fail(decision.code, decision.explanation));
    }
    const full = this.#logFull(room, decision.events.length);
    if (full) return reply(full);
    const fast = this.#growthRefused(room, participant, decision.events.length, nowMs, true);
    if (fast) return reply(fast);

    // Renaming a student's node changes its participant row in the same transaction.
    const owner = 'node' in command ? [...room.participants.values()].find((p) => p.node === command.node) : undefined;
    const extra: { participants?: StoredParticipant[] } = {};
    if (command.type === 'renameNode' && owner) {
      extra.participants = [{ ...owner, name: command.name }];
      owner.name = command.name;
    }
    const seqStart = room.log.length + 1;
    // A reveal that plays its step: the step is decided on the state after the reveal, and goes in the same commit.
    const question = command.type === 'revealCheckpoint' ? room.log.state.checkpoints.find((c) => c.id === command.id) : undefined;
    const play = event === 'checkpoint:reveal' && (payload as ClientPayload<'checkpoint:reveal'>).play === true;
    let events = decision.events;
    if (play && question) {
      const step = revealStep(room.log.state, question.question.spec);
      const stepped = step ? decide(successorState(room.log.state, events), step) : null;
      if (stepped?.ok) events = [...events, ...stepped.events];
    }
    this.#change(room, nowMs, events, extra, reply, () => {
      if (command.type === 'addNode' || command.type === 'addNodes' || command.type === 'renameNode') {
        this.#out.presence(room.code, room.info());
      }
      reply({ ok: true, value: { seqs: events.map((_, i) => seqStart + i) } });
    });
  }

  #toCommand(room: Room, p: Participant, event: ClientEventName, payload: unknown): Outcome<{ command: RoomCommand }> {
    const ok = (command: RoomCommand): Outcome<{ command: RoomCommand }> => ({ ok: true, value: { command } });
    let actor: string | null = null;
    if (NODE_EVENTS.includes(event)) {
      const asked = (payload as { node?: string }).node;
      if (p.role === 'student') {
        // A student sends a client command to the leader as a client, not as that node: it
        // may name any node (the core refuses one that is not leading).
        if (event === 'node:submit' && asked !== undefined) actor = asked;
        else if (asked !== undefined && asked !== p.node) {
          const name = room.log.state.nodes[p.node!]?.name ?? p.node;
          return fail('forbidden', `You control ${name}; you cannot act for another node.`);
        } else actor = p.node;
      } else {
        if (asked === undefined) return fail('bad-request', 'Name the node to act for: the instructor has no node of its own.');
        actor = asked;
      }
    }
    switch (event) {
      case 'node:propose': {
        const { value } = payload as ClientPayload<'node:propose'>;
        return ok({ type: 'propose', node: actor!, value: value ?? null });
      }
      case 'node:promise':
        return ok({ type: 'promiseRequest', from: actor!, to: (payload as ClientPayload<'node:promise'>).to });
      case 'node:accept': {
        const { to, slot } = payload as ClientPayload<'node:accept'>;
        // The core refuses a slot in a single-decree room (`wrong-protocol`).
        return ok({ type: 'acceptRequest', from: actor!, to, ...(slot !== undefined ? { slot } : {}) });
      }
      case 'node:lead':
        return ok({ type: 'lead', node: actor! });
      case 'node:submit':
        return ok({ type: 'submit', node: actor!, command: (payload as ClientPayload<'node:submit'>).command });
      case 'node:answer': {
        const { id, yes } = payload as ClientPayload<'node:answer'>;
        return ok({ type: 'answer', node: actor!, id, yes });
      }
      case 'node:crash':
      case 'node:recover':
        return ok({ type: event === 'node:crash' ? 'crash' : 'recover', node: (payload as ClientPayload<'node:crash'>).node });
      case 'net:deliver':
      case 'net:drop':
      case 'net:duplicate': {
        const type = event === 'net:deliver' ? 'deliver' : event === 'net:drop' ? 'drop' : 'duplicate';
        return ok({ type, id: (payload as ClientPayload<'net:deliver'>).id });
      }
      case 'net:cut':
      case 'net:heal': {
        const { a, b } = payload as ClientPayload<'net:cut'>;
        return ok({ type: event === 'net:cut' ? 'cut' : 'heal', a, b });
      }
      case 'net:deliverAll': {
        const { from, to, random } = payload as ClientPayload<'net:deliverAll'>;
        // The server draws the order's seed; the event keeps it, so a replay delivers in the same order.
        return ok({ type: 'deliverAll', from, to, ...(random ? { seed: randomInt(2 ** 31) } : {}) });
      }
      case 'net:dropAll': {
        const { from, to } = payload as ClientPayload<'net:dropAll'>;
        return ok({ type: 'dropAll', from, to });
      }
      case 'net:partition':
        return ok({ type: 'partition', groups: (payload as ClientPayload<'net:partition'>).groups });
      case 'net:healAll':
        return ok({ type: 'healAll' });
      case 'room:settings':
        return ok({ type: 'changeSettings', settings: (payload as ClientPayload<'room:settings'>).settings });
      case 'room:round':
        return ok({ type: 'newRound' });
      case 'participant:rename': {
        const { node, name } = payload as ClientPayload<'participant:rename'>;
        return ok({ type: 'renameNode', node, name: room.uniqueName(name, node) });
      }
      case 'bot:add': {
        const { name, count = 1 } = payload as ClientPayload<'bot:add'>;
        if (name !== undefined) return ok({ type: 'addNode', node: room.nextNodeId(), name: room.uniqueName(name), bot: true });
        const names = room.freeBotNames(count);
        return ok({ type: 'addNodes', nodes: room.nextNodeIds(count).map((node, i) => ({ node, name: names[i]!, bot: true })) });
      }
      case 'checkpoint:open': {
        const { spec, seconds } = payload as ClientPayload<'checkpoint:open'>;
        return ok({ type: 'openCheckpoint', spec, ...(seconds !== undefined ? { seconds } : {}) });
      }
      case 'checkpoint:close': {
        const { id } = payload as ClientPayload<'checkpoint:close'>;
        return ok({ type: 'closeCheckpoint', id, answers: answersToClose(room, id) });
      }
      case 'checkpoint:reveal': {
        const { id, answer } = payload as ClientPayload<'checkpoint:reveal'>;
        // Only an open question closes with the reveal; a closed one recorded its answers then.
        const open = room.log.state.checkpoints.find((c) => c.id === id)?.status === 'open';
        return ok({ type: 'revealCheckpoint', id, ...(answer !== undefined ? { answer } : {}), ...(open ? { answers: answersToClose(room, id) } : {}) });
      }
      case 'room:join':
      case 'room:resume':
      case 'room:history':
      case 'room:analytics':
      case 'checkpoint:answer':
      case 'room:lock':
      case 'replay:present':
      case 'branch:fork':
      case 'branch:switch':
      case 'share:create':
      case 'share:revoke':
      case 'participant:remove':
        return fail('bad-request', `${event} is not a command.`);
    }
  }

  /** Forks a what-if branch of the active timeline, or switches to another timeline; either way everyone follows. */
  #branch(room: Room, event: 'branch:fork' | 'branch:switch', payload: unknown, nowMs: number, reply: Reply<CommandResult>): void {
    let change: Partial<RoomChange>;
    let apply: () => void;
    if (event === 'branch:fork') {
      const { seq, name } = payload as ClientPayload<'branch:fork'>;
      if (seq > room.log.length) return reply(fail('bad-request', `The timeline has ${room.log.length} events; it cannot fork after event ${seq}.`));
      if (room.timelines.size >= BRANCHES_MAX) return reply(fail('room-full', `A room keeps at most ${BRANCHES_MAX} timelines.`));
      const meta: StoredBranch = { id: Math.max(...room.timelines.keys()) + 1, name, parent: room.active, forkSeq: seq, createdAt: nowMs };
      change = { createBranch: meta, activeBranch: meta.id };
      apply = () => {
        room.fork(meta);
        room.active = meta.id;
      };
    } else {
      const { id } = payload as ClientPayload<'branch:switch'>;
      if (!room.timelines.has(id)) return reply(fail('bad-request', `There is no timeline ${id} in this room.`));
      change = { activeBranch: id };
      apply = () => (room.active = id);
    }
    // Applied at once, so that later commands land on the new timeline; reverted by a reload if the commit fails.
    apply();
    room.presenting = null;
    room.expiresAt = nowMs + this.#limits.roomTtlMs;
    this.#enqueue({
      room,
      change: { code: room.code, expiresAt: nowMs + this.#limits.roomTtlMs, ...change },
      records: [],
      done: () => {
        this.#sendTimeline(room);
        this.#out.presence(room.code, room.info());
        reply({ ok: true, value: { seqs: [] } });
      },
      failed: (error) => reply({ ok: false, error }),
    });
  }

  /**
   * The room's read-only replay link. Its token is a viewer participant (stored hashed,
   * like every token), so it survives restarts; the link carries the token in its
   * fragment, which browsers never send to a server. Creating it again gives a new
   * link only after a revoke.
   */
  #share(room: Room, event: 'share:create' | 'share:revoke', nowMs: number, reply: Reply<CommandResult>): void {
    const viewers = [...room.participants.values()].filter((p) => p.role === 'viewer');
    if (event === 'share:revoke') {
      for (const v of viewers) this.#forget(room, v.tokenHash);
      room.shareToken = null;
      return this.#change(room, nowMs, [], { removeParticipants: viewers.map((v) => v.tokenHash) }, reply, () => {
        this.#peers?.send({ kind: 'share', code: room.code, token: null });
        this.#out.ended(room.code, viewers.map((v) => v.tokenHash), 'revoked');
        this.#out.presence(room.code, room.info());
        reply({ ok: true, value: { seqs: [] } });
      });
    }
    if (room.shareToken) return reply({ ok: true, value: { seqs: [], link: this.#shareLink(room.code, room.shareToken) } });
    // A link from before a restart cannot be shown again (only its hash is kept): replace it.
    for (const v of viewers) this.#forget(room, v.tokenHash);
    const token = newToken();
    const viewer: StoredParticipant = { tokenHash: hashToken(token), role: 'viewer', node: null, name: 'Replay link', createdAt: nowMs };
    this.#addParticipant(room, viewer);
    room.shareToken = token;
    const replaced = viewers.map((v) => v.tokenHash);
    this.#change(room, nowMs, [], { participants: [viewer], removeParticipants: replaced }, reply, () => {
      this.#peers?.send({ kind: 'share', code: room.code, token });
      if (replaced.length) {
        this.#out.ended(room.code, replaced, 'revoked');
        this.#out.presence(room.code, room.info());
      }
      reply({ ok: true, value: { seqs: [], link: this.#shareLink(room.code, token) } });
    });
  }

  #shareLink(code: string, token: string): string {
    return `${this.#publicUrl}/watch/${code}#${token}`;
  }

  /**
   * How fast the log may grow: each member, and the room as a whole, have a budget of
   * events, so no one member can fill the log for everyone. The instructor's commands are
   * exempt (they are how a class is run, and how a flooder is removed).
   */
  #growthRefused(room: Room, p: Participant, adding: number, nowMs: number, spend: boolean): { ok: false; error: AckError } | null {
    // An operation decided again after a conflict paid on its first attempt.
    if (p.role === 'instructor' || adding === 0 || this.#attempt > 1) return null;
    const limits = this.#limits;
    room.growth ??= new TokenBucket(limits.roomEventsBurst, limits.roomEventsPerSecond, nowMs);
    p.growth ??= new TokenBucket(limits.memberEventsBurst, limits.memberEventsPerSecond, nowMs);
    // Both are checked before either is spent: a refusal costs neither budget.
    if (!p.growth.has(nowMs, adding)) {
      return fail('rate-limited', `You have added a lot to the log: it grows by at most ${limits.memberEventsPerSecond} of your events a second. Wait a little.`);
    }
    if (!room.growth.has(nowMs, adding)) {
      return fail('rate-limited', `This room's log is growing too fast (at most ${limits.roomEventsPerSecond} events a second): wait a little.`);
    }
    if (spend) {
      p.growth.take(nowMs, adding);
      room.growth.take(nowMs, adding);
    }
    return null;
  }

  /**
   * Refuses events past a timeline's limit, or past what the room's timelines may hold of
   * their own together (twice that limit): each branch shares its parent's events up to its
   * fork point, but what it adds costs memory, and 20 full branches would cost 20 rooms.
   */
  #logFull(room: Room, adding: number): { ok: false; error: AckError } | null {
    const max = this.#limits.eventsPerRoomMax;
    if (room.log.length + adding > max) return fail('log-full', `This room's log holds ${max} events, its limit: start a new room to go on.`);
    let own = 0;
    for (const t of room.timelines.values()) own += t.log.length - t.meta.forkSeq;
    if (own + adding > 2 * max) {
      return fail('log-full', `This room's timelines hold ${2 * max} events of their own together, the most a room keeps: export it, and start a new room to go on.`);
    }
    return null;
  }

  /** Applies events in memory now and queues their commit; `done` runs once they are committed and broadcast. */
  #change(
    room: Room,
    nowMs: number,
    events: readonly RoomEvent[],
    extra: { participants?: StoredParticipant[]; removeParticipants?: string[]; locked?: boolean },
    reply: Reply<never>,
    done: () => void,
  ): void {
    const expiresAt = nowMs + this.#limits.roomTtlMs;
    const first = room.log.length + 1;
    const change: RoomChange = {
      code: room.code,
      expiresAt,
      ...extra,
      branch: room.active,
      events: events.map((event, i) => ({ seq: first + i, at: nowMs, event })),
    };
    room.expiresAt = expiresAt;
    const records = events.length ? room.apply(events, nowMs) : [];
    this.#enqueue({ room, timeline: room.active, change, records, done, failed: (error) => reply({ ok: false, error }) });
  }

  /** Resolves when every change asked for so far is committed and published. */
  settled(): Promise<void> {
    return this.#commits.settled();
  }

  /** Deletes rooms whose time is up and ends their sessions. Resolves with the codes removed. */
  async expire(nowMs: number): Promise<string[]> {
    await this.settled();
    const gone: string[] = [];
    for (const room of [...this.#rooms.values()]) {
      if (room.expiresAt > nowMs) continue;
      // Only if the store agrees: another process may have kept the room alive meanwhile.
      if (await this.#store.deleteRoom(room.code, nowMs)) {
        this.#drop(room, 'expired');
        this.#peers?.send({ kind: 'expired', code: room.code });
        gone.push(room.code);
      } else await this.#commits.exclusive(() => this.#catchUp(room.code));
    }
    return gone;
  }
}
