/**
 * The rooms a server process holds: made, restored from the store, kept up to date with what
 * other server processes commit, expired; and the one way a change reaches them: applied in
 * memory at once (room.ts), so that the next command is decided against it, then committed
 * by the pipeline (commit.ts), which saves each batch before anyone hears of it. The
 * classroom (classroom.ts) builds the joins, sessions and commands on this.
 *
 * With PostgreSQL, the database may be out of reach for a while (restarting). From the
 * first commit or read that finds it so, until it answers again and every room has caught
 * up with it, nothing is decided: every operation is answered `store-unavailable` at once,
 * and a room in memory holds only what the store held when it was last read, or what was
 * committed since.
 */
import {
  DEFAULT_SETTINGS,
  RECENT_RECORDS,
  type AckError,
  type LogRecord,
  type Role,
  type RoomEvent,
  presenceChange,
  type PresenceChange,
  type RoomInfo,
  type RoomSummary,
  type TimelineInfo,
} from '@toy-paxos/shared';
import { applyCommitted, catchUp, dropUncommitted } from './catch-up';
import { fail, type Outcome } from './outcome';
import { answeredCount, forTheClass, openQuestion } from './checkpoints';
import { CommitPipeline, guarded, SAVE_FAILED, STORE_UNAVAILABLE, type Pending } from './commit';
import { toldChanges, type PeerMessage, type Peers, type ToldChange } from './peers';
import { expiryAfter, type ServerLimits } from './config';
import { applyInSlices, Room, type ImportedLog, type RecentLog } from './room';
import { hashToken, newRoomCode, newToken } from './security';
import { StoreUnavailable, type RoomChange, type Store, type StoredParticipant, type StoredRoom } from './store';

/** Times an operation is decided, when other server processes keep committing to its room first. */
const ATTEMPTS_MAX = 8;

/** The waits between tries to read the rooms again while the database is out of reach, doubling up to the last. */
const STORE_RETRY_MS = [500, 1000, 2000] as const;

/** Reaches the sockets of a room. Implemented by the socket layer; a test can record calls. */
export interface Broadcaster {
  /** New records; `forClass`, when given, is what every role but the instructor gets (answers not revealed yet taken out). */
  records(code: string, records: readonly LogRecord[], forClass?: readonly LogRecord[]): void;
  /** What changed in who is in the room and online (presence.ts). */
  presence(code: string, change: PresenceChange): void;
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

/** Receives the outcome of an operation: at once when refused, after the commit when it succeeds. */
export type Reply<T> = (outcome: Outcome<T>) => void;

/**
 * `reply`, answering once: after a reply that went through, a later call (the `server-error`
 * of a bug met after it) is dropped. A reply that threw has not gone through.
 */
export function once<T>(reply: Reply<T>): Reply<T> {
  let answered = false;
  return (outcome) => {
    if (answered) return;
    reply(outcome);
    answered = true;
  };
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
  /** Hears of an unexpected exception (a bug) met after a command's synchronous part: the classroom answers `server-error` and goes on. */
  readonly onError?: (error: unknown, what: string) => void;
  /** Where the classroom says that the store went out of reach and came back (app.ts passes its logger). */
  readonly log?: { warn(details: object, message: string): void; info(details: object, message: string): void };
  /** Hears that the database went out of reach (false) or answers again with every room caught up (true): /healthz says so. */
  readonly storeReachable?: (reachable: boolean) => void;
}

/** A drawn code that is taken is drawn again, this many times in all, before creation gives up. */
const CODE_DRAWS_MAX = 5;

/**
 * With many processes, a room no page has had a socket open on here for this long is let go
 * of when another process changes it: that process serves it (one room, one process), and
 * following its changes here would cost this process what it saves by sharing the rooms.
 * The room is read again from the store if a page comes for it here.
 */
const HOLD_IDLE_MS = 2000;

/**
 * The rooms of this process and the path of every change to them. Its protected members are
 * for the classroom, which extends it with the joins, sessions and commands.
 */
export class RoomHost {
  protected readonly rooms = new Map<string, Room>();
  protected readonly byToken = new Map<string, Room>();
  protected readonly store: Store;
  protected readonly limits: ServerLimits;
  protected readonly out: Broadcaster;
  protected readonly publicUrl: string;
  readonly #drawCode: () => string;
  /** Codes of rooms being created: a concurrent creation must not draw one of them. */
  readonly #reservedCodes = new Set<string>();
  protected readonly commits: CommitPipeline;
  /** Rooms being created (counted against the limit until they are committed). */
  #creating = 0;
  protected readonly peers: Peers | null;
  /** Rooms being read from the store, by code. */
  readonly #loading = new Map<string, Promise<void>>();
  /** When each room was last in use here (read, created, or left by its last socket here). */
  readonly #usedAt = new Map<string, number>();
  /** Decides the operation being run now again, after a conflict (see `#operation`). */
  #retry: (() => void) | undefined;
  /** Which attempt of it this is (1: the first). */
  protected attempt = 1;
  readonly #onError: (error: unknown, what: string) => void;
  /** The database was out of reach at the last try: nothing is decided until it answers and every room has caught up. */
  #storeDown = false;
  /** Rooms whose commit was in doubt while it was: once it is back, the other processes are told to read them. */
  readonly #inDoubt = new Set<string>();
  readonly #log: ClassroomOptions['log'];
  readonly #storeReachable: ClassroomOptions['storeReachable'];

  constructor(options: ClassroomOptions) {
    this.store = options.store;
    this.limits = options.limits;
    this.out = options.broadcaster;
    this.publicUrl = options.publicUrl;
    this.#drawCode = options.roomCode ?? newRoomCode;
    this.peers = options.peers ?? null;
    this.#onError = options.onError ?? (() => undefined);
    this.#log = options.log;
    this.#storeReachable = options.storeReachable;
    const peers = this.peers;
    this.commits = new CommitPipeline(this.store, {
      send: (code, records) => this.#sendRecords(code, records),
      catchUp: async (codes) => {
        for (const code of codes) await this.catchUp(code);
      },
      unavailable: (codes, error) => {
        // The store cannot be read: drop here what could not be committed; the rest of what
        // the rooms applied (participants, a fork...) waits for the catch-up when it is back.
        for (const code of codes) {
          const room = this.rooms.get(code);
          if (!room) continue;
          dropUncommitted(room);
          room.epoch++;
          if (error.inDoubt) this.#inDoubt.add(code);
        }
        this.storeFailed(error);
      },
      committed: peers
        ? (changes) => {
            if (changes.length) peers.send({ kind: 'committed', changes: toldChanges(changes) });
          }
        : undefined,
      error: (error) => this.report(error, 'a change failed after its commit was decided'),
    });
    peers?.listen(
      {
        message: (from, message) => this.#safely(`a message from another process (${message.kind}) failed`, () => this.#fromPeer(from, message)),
        tellAll: () => this.#safely('telling the other processes who is online failed', () => {
          for (const room of this.rooms.values()) this.#tell(room);
        }),
        missed: () => void this.resync(),
        gone: (id) => this.#safely('forgetting a process taken for dead failed', () => {
          for (const room of this.rooms.values()) {
            for (const [hash, on] of room.elsewhere) if (on.delete(id) && on.size === 0) room.elsewhere.delete(hash);
            this.tellPresence(room);
          }
        }),
      },
    );
  }

  /**
   * Runs an operation. If its commit meets a conflict (another process committed to its room
   * first), the room catches up and the operation runs again, up to ATTEMPTS_MAX times.
   * While the database is out of reach, `refuse` runs instead, with the error to answer.
   */
  protected operation(op: () => void, refuse: (error: AckError) => void, attempt = 1): void {
    if (this.#storeDown) return refuse(STORE_UNAVAILABLE);
    const outer = { retry: this.#retry, attempt: this.attempt };
    this.#retry = attempt < ATTEMPTS_MAX ? () => this.operation(op, refuse, attempt + 1) : undefined;
    this.attempt = attempt;
    try {
      op();
    } finally {
      this.#retry = outer.retry;
      this.attempt = outer.attempt;
    }
  }

  /**
   * Queues a change of the operation being run for the next commit. `retry` decides it again
   * when its room changed under it: the whole operation, unless the change says otherwise.
   */
  protected enqueue(p: Omit<Pending, 'epoch' | 'retry'>, retry = this.#retry): void {
    this.commits.enqueue({ ...p, epoch: p.room.epoch, retry });
  }

  /** Tells the other processes what this one holds of a room that is not in the store: who is online here, what is presented, the replay link. */
  #tell(room: Room): void {
    const peers = this.peers;
    if (!peers) return;
    for (const [tokenHash, sockets] of room.online) if (sockets > 0) peers.send({ kind: 'online', code: room.code, tokenHash, online: true });
    if (room.presenting !== null) peers.send({ kind: 'present', code: room.code, seq: room.presenting });
    if (room.shareToken) peers.send({ kind: 'share', code: room.code, token: room.shareToken });
  }

  /** A room was in use here just now (a page's last socket on it closed, say): it is held a while longer. */
  protected used(code: string): void {
    if (this.peers) this.#usedAt.set(code, performance.now());
  }

  /**
   * Lets go of a room that is not in use here, when another process changes it (see
   * HOLD_IDLE_MS): nothing of it lives only here, no page has a socket on it here, and none
   * of its changes waits to be committed here. Resolves with whether it was let go of.
   */
  #letGo(room: Room): boolean {
    if (!this.peers || room.presenting !== null || room.shareToken || room.unconfirmed.size) return false;
    for (const sockets of room.online.values()) if (sockets > 0) return false;
    if (performance.now() - (this.#usedAt.get(room.code) ?? 0) < HOLD_IDLE_MS || this.commits.waiting(room)) return false;
    this.rooms.delete(room.code);
    this.#usedAt.delete(room.code);
    for (const t of room.participants.keys()) if (this.byToken.get(t) === room) this.byToken.delete(t);
    return true;
  }

  /** Tells of an unexpected exception (a bug); the server goes on. */
  protected report(error: unknown, what: string): void {
    try {
      this.#onError(error, what);
    } catch {
      // A reporter that fails has nothing left to tell.
    }
  }

  /** Runs what another process's message set off: an exception there (a bug) is reported, and the server goes on. */
  #safely(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.report(error, what);
    }
  }

  /**
   * Runs the continuation of an operation that comes after its synchronous part (a read of
   * the store, a wait for a commit): an exception there (a bug) answers `server-error` and
   * is reported, where it would otherwise stop the process with every socket on it.
   */
  protected continued<T>(reply: Reply<T>, what: string, run: () => void): void {
    guarded(run, (error) => reply({ ok: false, error }), (error) => this.report(error, what));
  }

  /** Whether the database is out of reach (or the rooms are catching up with it): every operation is refused meanwhile. */
  get storeDown(): boolean {
    return this.#storeDown;
  }

  /**
   * A commit or a read failed: if the database is out of reach, nothing is decided from now
   * until it answers again and every room has caught up (`#recover`).
   */
  protected storeFailed(e: unknown): void {
    if (!(e instanceof StoreUnavailable) || this.#storeDown) return;
    this.#storeDown = true;
    this.#log?.warn({ err: e }, 'the database cannot be reached: commands are refused until it is back');
    this.#storeReachable?.(false);
    void this.#recover();
  }

  /** Tries, every couple of seconds, to read every room again; once that works, operations are served again. */
  async #recover(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, STORE_RETRY_MS[Math.min(attempt, STORE_RETRY_MS.length - 1)]));
      try {
        await this.commits.exclusive(() => this.#readAll());
      } catch {
        continue; // still out of reach (#readAll lets no other failure through)
      }
      this.#storeDown = false;
      this.#log?.info({ rooms: this.rooms.size }, 'the database is back: commands are served again');
      this.#storeReachable?.(true);
      // What the database kept of a commit in doubt, no message told the others.
      for (const code of this.#inDoubt) this.peers?.send({ kind: 'changed', code });
      this.#inDoubt.clear();
      return;
    }
  }

  /**
   * Brings every room up to what the store holds: after the database was out of reach, or
   * when messages of the other processes may have been lost. A room that cannot be read for
   * any other reason than an unreachable database stays as it is (the next gap reads it).
   */
  async #readAll(): Promise<void> {
    for (const code of [...this.rooms.keys()]) {
      try {
        await this.catchUp(code);
      } catch (e) {
        if (e instanceof StoreUnavailable) throw e;
        this.#log?.warn({ err: e, room: code }, 'cannot read a room from the store');
      }
    }
  }

  /** Reads every room from the store again, between commits (messages of other processes may have been lost). */
  resync(): Promise<void> {
    return this.commits.exclusive(() => this.#readAll()).catch((e: unknown) => this.storeFailed(e));
  }

  /** Where students join a room: the one address every page shows, in links and QR codes. */
  joinUrl(code: string): string {
    return `${this.publicUrl}/join/${code}`;
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** The rooms that a page has a socket open on in this process: those it serves (leases.ts). */
  servedRooms(): string[] {
    const served: string[] = [];
    for (const room of this.rooms.values()) {
      for (const sockets of room.online.values()) {
        if (sockets > 0) {
          served.push(room.code);
          break;
        }
      }
    }
    return served;
  }

  /** Restores every room from the store: its participants and its whole log. */
  async restore(nowMs: number): Promise<{ rooms: number; events: number }> {
    let events = 0;
    for (const stored of await this.store.loadRooms()) {
      if (stored.expiresAt <= nowMs) {
        void this.store.deleteRoom(stored.code, nowMs).catch(() => undefined);
        continue;
      }
      this.#restoreRoom(stored);
      for (const list of stored.events.values()) events += list.length;
    }
    return { rooms: this.rooms.size, events };
  }

  #restoreRoom(stored: StoredRoom): void {
    const room = new Room(stored.code, stored.createdAt, stored.expiresAt, stored.settings, stored.title);
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
    for (const p of stored.participants) this.addParticipant(room, p);
    this.rooms.set(room.code, room);
    this.used(room.code);
  }

  /**
   * Brings a room up to what the store holds (catch-up.ts): after a failed commit, or when
   * another process committed what this one has not heard of. Runs between commits. A room
   * this process does not hold is read whole; one the store no longer has is dropped.
   */
  protected async catchUp(code: string): Promise<void> {
    const room = this.rooms.get(code);
    if (!room) return this.#find(code).then(() => undefined);
    const after = new Map([...room.timelines].map(([id, t]) => [id, Math.min(t.committed, t.log.length)]));
    const stored = await this.store.loadRoom(code, after);
    if (this.rooms.get(code) !== room) return;
    if (!stored) return this.#drop(room, 'expired');
    const caught = catchUp(room, stored, this.commits.waiting(room));
    if (caught.timeline) this.sendTimeline(room);
    this.#changedElsewhere(room, caught);
  }

  /**
   * A room this process does not hold (another process opened it), read from the store when
   * the store has it. Resolves with whether the room is here now.
   */
  async #find(code: string): Promise<boolean> {
    if (this.rooms.has(code)) return true;
    if (!this.peers) return false;
    let loading = this.#loading.get(code);
    if (!loading) {
      loading = this.store
        .loadRoom(code)
        .then((stored) => {
          if (!stored || this.rooms.has(code)) return;
          this.#restoreRoom(stored);
          // The processes that hold it say who is online on them, what is presented, its replay link.
          this.peers?.send({ kind: 'ask', code });
        })
        .finally(() => this.#loading.delete(code));
      this.#loading.set(code, loading);
    }
    await loading;
    return this.rooms.has(code);
  }

  /** Whether there is a room with this code, here or (with many processes) in the store. */
  findRoom(code: string): Promise<boolean> {
    return this.#find(code).catch((e: unknown) => {
      this.storeFailed(e);
      return false;
    });
  }

  /** Forgets a room that is gone from the store, and ends its sessions here. */
  #drop(room: Room, reason: 'expired'): void {
    if (this.rooms.get(room.code) !== room) return;
    this.rooms.delete(room.code);
    const tokens = [...room.participants.keys()];
    for (const t of tokens) this.byToken.delete(t);
    this.out.ended(room.code, tokens, reason);
  }

  /** What another server process tells this one. */
  #fromPeer(from: string, message: PeerMessage): void {
    // A room being read now may be read as it was before this message: hear it once it is here.
    const loading = 'code' in message ? this.#loading.get(message.code) : undefined;
    if (loading) {
      const hear = () => this.#safely(`a message from another process (${message.kind}) failed`, () => this.#fromPeer(from, message));
      return void loading.then(hear, hear);
    }
    switch (message.kind) {
      case 'committed':
        for (const change of message.changes) this.#committedElsewhere(change);
        return;
      case 'present': {
        const room = this.rooms.get(message.code);
        if (!room) return;
        const show = () => {
          if (message.seq !== null && message.seq > room.log.length) return;
          room.presenting = message.seq;
          this.out.replay(room.code, message.seq);
        };
        if (message.seq !== null && message.seq > room.timeline.committed) {
          void this.commits.exclusive(() => this.catchUp(room.code)).then(() => this.continued(() => undefined, 'presenting an event failed', show), () => undefined);
        }
        else show();
        return;
      }
      case 'share': {
        const room = this.rooms.get(message.code);
        if (room) room.shareToken = message.token;
        return;
      }
      case 'online': {
        const room = this.rooms.get(message.code);
        if (!room) return;
        const before = room.isOnline(message.tokenHash);
        let on = room.elsewhere.get(message.tokenHash);
        if (message.online) {
          if (!on) room.elsewhere.set(message.tokenHash, (on = new Set()));
          on.add(from);
        } else if (on?.delete(from) && on.size === 0) room.elsewhere.delete(message.tokenHash);
        if (room.isOnline(message.tokenHash) !== before) this.tellPresence(room);
        return;
      }
      case 'expired': {
        const room = this.rooms.get(message.code);
        if (room) this.#drop(room, 'expired');
        return;
      }
      case 'changed':
        if (this.rooms.has(message.code)) void this.commits.exclusive(() => this.catchUp(message.code)).catch((e: unknown) => this.storeFailed(e));
        return;
      case 'ask': {
        const room = this.rooms.get(message.code);
        if (room) this.#tell(room);
        return;
      }
      default: {
        // Every kind is handled above; one from a newer server is ignored.
        const unknown: never = message;
        return void unknown;
      }
    }
  }

  /**
   * A change another process committed. Events that follow what this process holds are
   * applied and sent to its sockets at once; anything else (a gap, a fork, a room it does
   * not hold, changes of its own waiting to be committed) is read from the store.
   */
  #committedElsewhere(change: ToldChange): void {
    const loading = this.#loading.get(change.code);
    if (loading) {
      const hear = () => this.#safely('a change committed by another process failed', () => this.#committedElsewhere(change));
      return void loading.then(hear, hear);
    }
    const room = this.rooms.get(change.code);
    // A room this process does not hold is read from the store when a page comes for it.
    if (!room || change.create || this.#letGo(room)) return;
    const heard = applyCommitted(room, change);
    if (heard.kind === 'gap') return void this.commits.exclusive(() => this.catchUp(room.code)).catch(() => undefined);
    if (heard.kind === 'known') return;
    this.#changedElsewhere(room, heard);
    if (change.answers?.length) this.tellAnswered(room);
  }

  /** Tells this process's sockets what another process changed in a room: records, sessions ended, presence. */
  #changedElsewhere(room: Room, changed: { records: readonly LogRecord[]; added: readonly StoredParticipant[]; removed: readonly StoredParticipant[]; presence: boolean }): void {
    for (const p of changed.added) this.byToken.set(p.tokenHash, room);
    for (const p of changed.removed) this.byToken.delete(p.tokenHash);
    if (room.shareToken && !room.participants.has(hashToken(room.shareToken))) room.shareToken = null;
    if (changed.records.length) this.#sendRecords(room.code, changed.records);
    const ended = (viewers: boolean) => changed.removed.filter((p) => (p.role === 'viewer') === viewers).map((p) => p.tokenHash);
    if (ended(false).length) this.out.ended(room.code, ended(false), 'removed');
    if (ended(true).length) this.out.ended(room.code, ended(true), 'revoked');
    if (changed.presence) this.tellPresence(room);
  }


  /** Broadcasts records: to the instructor as they are, to everyone else as the class sees the questions (checkpoints.ts). */
  #sendRecords(code: string, records: readonly LogRecord[]): void {
    const room = this.rooms.get(code);
    const forClass = room ? forTheClass(room).records(records) : records;
    this.out.records(code, records, forClass === records ? undefined : forClass);
  }

  /** Tells every screen the room plays on another timeline, the class as it sees the questions. */
  protected sendTimeline(room: Room): void {
    const recent = room.recent(0, RECENT_RECORDS);
    const hide = forTheClass(room);
    const forClass = { base: hide.state(recent.base), records: [...hide.records(recent.records)] };
    this.out.timeline(room.code, room.timelineInfo(), recent, forClass.base === recent.base && forClass.records.every((r, i) => r === recent.records[i]) ? undefined : forClass);
  }

  protected addParticipant(room: Room, p: StoredParticipant): void {
    room.participants.set(p.tokenHash, { ...p });
    this.byToken.set(p.tokenHash, room);
  }

  /**
   * Opens a room, empty or starting from an imported log (validated already); resolves
   * with its code and the instructor's token once it is committed.
   */
  async createRoom(nowMs: number, from?: ImportedLog): Promise<Outcome<{ code: string; instructorToken: string }>> {
    if (this.#storeDown) return { ok: false, error: STORE_UNAVAILABLE };
    if (this.rooms.size + this.#creating >= this.limits.roomsMax) {
      return fail('room-full', `This server holds ${this.limits.roomsMax} rooms already; try again later or ask its administrator.`);
    }
    if (from && from.count > this.limits.eventsPerRoomMax) {
      return fail('log-full', `The file has ${from.count} events; a room holds at most ${this.limits.eventsPerRoomMax}.`);
    }
    const settings = from?.initial.settings ?? DEFAULT_SETTINGS;
    const title = from?.title ?? null;
    const token = newToken();
    const instructor: StoredParticipant = { tokenHash: hashToken(token), role: 'instructor', node: null, name: 'Instructor', createdAt: nowMs };
    const expiresAt = expiryAfter(nowMs, this.limits.roomTtlMs);
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
        if (this.rooms.has(candidate) || this.#reservedCodes.has(candidate)) continue;
        this.#reservedCodes.add(candidate);
        try {
          await this.store.commit([{ code: candidate, create: { createdAt: nowMs, settings, title }, expiresAt, participants: [instructor], ...(from ? { eventSlices: { json: takeStoreJson(), sliceEnds: from.sliceEnds } } : {}) }]);
          code = candidate;
        } catch (e) {
          // Taken in the store but not in memory (a room another process opened, or one
          // being deleted): draw again. Any other failure is the disk's, or the database
          // is out of reach (a room whose commit was in doubt is one nobody holds the
          // instructor's token of: it expires unused).
          this.#reservedCodes.delete(candidate);
          if (e instanceof StoreUnavailable) {
            this.storeFailed(e);
            return { ok: false, error: STORE_UNAVAILABLE };
          }
          if (!(await this.store.loadRoom(candidate).catch(() => null))) return { ok: false, error: SAVE_FAILED };
        }
      }
      if (code === null) return fail('server-error', `No free room code came up in ${CODE_DRAWS_MAX} draws; try again in a moment.`);
      // Still reserved and counted while its log is built.
      const room = new Room(code, nowMs, expiresAt, settings, title);
      await applyInSlices(room, from, nowMs);
      room.timeline.committed = room.log.length;
      this.rooms.set(code, room);
      this.used(code);
      this.addParticipant(room, instructor);
      this.peers?.send({ kind: 'committed', changes: [{ code, create: { createdAt: nowMs, settings, title }, expiresAt }] });
      return { ok: true, value: { code, instructorToken: token } };
    } finally {
      if (code !== null) this.#reservedCodes.delete(code);
      this.#creating--;
    }
  }

  /**
   * Who is in the room and online, as this process's sockets were last told: what a join's
   * answer carries, so that the `room:presence` changes that follow fold onto it.
   */
  roomInfo(code: string): RoomInfo | null {
    const room = this.rooms.get(code);
    return room ? this.shownPresence(room) : null;
  }

  protected shownPresence(room: Room): RoomInfo {
    return (room.shownPresence ??= room.info());
  }

  /** Sends the room's sockets what changed in its presence since they were last told, if anything did. */
  protected tellPresence(room: Room): void {
    if (!room.shownPresence) return; // no page holds a list yet: the next join's answer has it all
    const now = room.info();
    const change = presenceChange(room.shownPresence, now);
    room.shownPresence = now;
    if (change) this.out.presence(room.code, change);
  }

  /** Public facts about a room, for the join page. */
  roomSummary(code: string): RoomSummary | null {
    const room = this.rooms.get(code);
    return room ? { code, title: room.title, locked: room.locked, nodes: room.log.state.order.length } : null;
  }

  /** Tells the room how many have answered its open question. */
  protected tellAnswered(room: Room): void {
    const c = openQuestion(room);
    if (c) this.out.answered(room.code, c.id, answeredCount(room, c.id));
  }

  /** Applies events in memory now and queues their commit; `done` runs once they are committed and broadcast. */
  protected change(
    room: Room,
    nowMs: number,
    events: readonly RoomEvent[],
    extra: { participants?: StoredParticipant[]; removeParticipants?: string[]; locked?: boolean },
    reply: Reply<never>,
    done: () => void,
  ): void {
    const expiresAt = expiryAfter(nowMs, this.limits.roomTtlMs);
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
    this.enqueue({ room, timeline: room.active, change, records, done, failed: (error) => reply({ ok: false, error }) });
  }

  /** Resolves when every change asked for so far is committed and published. */
  settled(): Promise<void> {
    return this.commits.settled();
  }

  /** Deletes rooms whose time is up and ends their sessions. Resolves with the codes removed. */
  async expire(nowMs: number): Promise<string[]> {
    await this.settled();
    const gone: string[] = [];
    for (const room of [...this.rooms.values()]) {
      if (room.expiresAt > nowMs) continue;
      // Only if the store agrees: another process may have kept the room alive meanwhile.
      if (await this.store.deleteRoom(room.code, nowMs)) {
        this.#drop(room, 'expired');
        this.peers?.send({ kind: 'expired', code: room.code });
        gone.push(room.code);
      } else await this.commits.exclusive(() => this.catchUp(room.code));
    }
    return gone;
  }
}
