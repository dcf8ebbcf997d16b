/**
 * Rooms, sessions and commands, with no transport: the socket layer calls these
 * methods and passes a `Broadcaster` that knows how to reach the sockets. Every
 * change is decided by the shared core, committed to the store, and only then applied
 * in memory and broadcast, so nobody hears of an event that could still be lost.
 */
import {
  decide,
  DEFAULT_SETTINGS,
  INSTRUCTOR_EVENTS,
  initialRoomState,
  LIMITS,
  NODE_EVENTS,
  RoomLog,
  type AckError,
  type ClientEventName,
  type ClientPayload,
  type CommandResult,
  type ErrorCode,
  type LogRecord,
  type ParticipantInfo,
  type Role,
  type RoomCommand,
  type RoomEvent,
  type RoomInfo,
  type SessionInfo,
} from '@toy-paxos/shared';
import type { ServerLimits } from './config';
import { hashToken, newRoomCode, newToken } from './security';
import type { Store, StoredParticipant, StoredRoom } from './store';

/** Reaches the sockets of a room. Implemented by the socket layer; a test can record calls. */
export interface Broadcaster {
  records(code: string, records: readonly LogRecord[]): void;
  presence(code: string, info: RoomInfo): void;
  /** Ends the sessions (removed or expired) and disconnects their sockets. */
  ended(code: string, tokenHashes: readonly string[], reason: 'removed' | 'expired'): void;
}

/** Who a connected socket is. */
export interface Session {
  readonly tokenHash: string;
  readonly code: string;
  readonly role: Role;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AckError };

function fail(code: ErrorCode, message: string): { ok: false; error: AckError } {
  return { ok: false, error: { code, message } };
}

interface Participant {
  readonly tokenHash: string;
  readonly role: Role;
  readonly node: string | null;
  name: string;
  readonly createdAt: number;
}

class Room {
  readonly log: RoomLog;
  readonly records: LogRecord[] = [];
  readonly participants = new Map<string, Participant>();
  /** Open sockets per participant. */
  readonly online = new Map<string, number>();
  locked = false;
  expiresAt: number;
  /** Events whose node ids were allocated: ids are never reused, so old messages stay unambiguous. */
  nodesAdded = 0;

  constructor(
    readonly code: string,
    readonly createdAt: number,
    expiresAt: number,
    settings = DEFAULT_SETTINGS,
  ) {
    this.expiresAt = expiresAt;
    this.log = new RoomLog(initialRoomState(settings));
  }

  /** Appends committed events to memory and returns their records. */
  apply(events: readonly RoomEvent[], at: number): LogRecord[] {
    const entries = this.log.appendAnnotated(events);
    const records = entries.map((e, i) => ({ seq: e.seq, at, event: events[i]!, lines: e.lines, explanation: e.explanation }));
    this.records.push(...records);
    for (const e of events) if (e.type === 'nodeAdded') this.nodesAdded++;
    return records;
  }

  info(): RoomInfo {
    const participants: ParticipantInfo[] = [];
    const byNode = new Map<string, Participant>();
    for (const p of this.participants.values()) if (p.node) byNode.set(p.node, p);
    for (const id of this.log.state.order) {
      const node = this.log.state.nodes[id]!;
      const p = byNode.get(id);
      participants.push({
        node: id,
        name: node.name,
        role: node.bot ? 'bot' : 'student',
        online: node.bot || (p ? (this.online.get(p.tokenHash) ?? 0) > 0 : false),
      });
    }
    for (const p of this.participants.values()) {
      if (p.node) continue;
      participants.push({ node: null, name: p.name, role: p.role, online: (this.online.get(p.tokenHash) ?? 0) > 0 });
    }
    return { code: this.code, locked: this.locked, participants };
  }

  /** A display name no other node in the room uses: "Alice", then "Alice 2", "Alice 3"... */
  uniqueName(wanted: string): string {
    const taken = new Set(this.log.state.order.map((id) => this.log.state.nodes[id]!.name.toLowerCase()));
    if (!taken.has(wanted.toLowerCase())) return wanted;
    for (let k = 2; ; k++) {
      const suffix = ` ${k}`;
      const name = wanted.slice(0, LIMITS.nameLengthMax - suffix.length) + suffix;
      if (!taken.has(name.toLowerCase())) return name;
    }
  }
}

export interface ClassroomOptions {
  readonly store: Store;
  readonly limits: ServerLimits;
  readonly broadcaster: Broadcaster;
  readonly publicUrl: string;
}

export class Classroom {
  readonly #rooms = new Map<string, Room>();
  readonly #byToken = new Map<string, Room>();
  readonly #store: Store;
  readonly #limits: ServerLimits;
  readonly #out: Broadcaster;

  constructor(options: ClassroomOptions) {
    this.#store = options.store;
    this.#limits = options.limits;
    this.#out = options.broadcaster;
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  /** Restores every room from the store: its participants and its whole log. */
  restore(nowMs: number): { rooms: number; events: number } {
    let events = 0;
    for (const stored of this.#store.loadRooms()) {
      if (stored.expiresAt <= nowMs) {
        this.#store.deleteRoom(stored.code);
        continue;
      }
      this.#restoreRoom(stored);
      events += stored.events.length;
    }
    return { rooms: this.#rooms.size, events };
  }

  #restoreRoom(stored: StoredRoom): void {
    const room = new Room(stored.code, stored.createdAt, stored.expiresAt, stored.settings);
    room.locked = stored.locked;
    for (const e of stored.events) room.apply([e.event], e.at);
    for (const p of stored.participants) this.#addParticipant(room, p);
    this.#rooms.set(room.code, room);
  }

  #addParticipant(room: Room, p: StoredParticipant): void {
    room.participants.set(p.tokenHash, { ...p });
    this.#byToken.set(p.tokenHash, room);
  }

  /** Opens a room; returns its code and the instructor's token. */
  createRoom(nowMs: number): Outcome<{ code: string; instructorToken: string }> {
    if (this.#rooms.size >= this.#limits.roomsMax) {
      return fail('room-full', `This server holds ${this.#limits.roomsMax} rooms already; try again later or ask its administrator.`);
    }
    let code = newRoomCode();
    while (this.#rooms.has(code)) code = newRoomCode();
    const token = newToken();
    const instructor: StoredParticipant = { tokenHash: hashToken(token), role: 'instructor', node: null, name: 'Instructor', createdAt: nowMs };
    const expiresAt = nowMs + this.#limits.roomTtlMs;
    this.#store.commit({ code, create: { createdAt: nowMs, settings: DEFAULT_SETTINGS }, expiresAt, participants: [instructor] });
    const room = new Room(code, nowMs, expiresAt);
    this.#rooms.set(code, room);
    this.#addParticipant(room, instructor);
    return { ok: true, value: { code, instructorToken: token } };
  }

  /** Who is in the room and online now. */
  roomInfo(code: string): RoomInfo | null {
    return this.#rooms.get(code)?.info() ?? null;
  }

  hasRoom(code: string): boolean {
    return this.#rooms.has(code);
  }

  /** Public facts about a room, for the join page. */
  roomSummary(code: string): { code: string; locked: boolean; nodes: number } | null {
    const room = this.#rooms.get(code);
    return room ? { code, locked: room.locked, nodes: room.log.state.order.length } : null;
  }

  /** A new participant joins by code: a student becomes one node; an observer only watches. */
  join(payload: ClientPayload<'room:join'>, nowMs: number): Outcome<{ session: Session; info: SessionInfo }> {
    const room = this.#rooms.get(payload.code);
    if (!room) return fail('room-not-found', `There is no room ${payload.code}. Check the code with your instructor.`);
    if (room.locked) return fail('room-locked', 'The instructor has locked this room: ask them to unlock it to let you in.');
    const token = newToken();
    const tokenHash = hashToken(token);
    let participant: StoredParticipant;
    if (payload.role === 'student') {
      if (room.log.state.order.length >= this.#limits.nodesPerRoomMax) {
        return fail('room-full', `This room has ${this.#limits.nodesPerRoomMax} nodes, its limit; join as an observer to watch.`);
      }
      const full = this.#logFull(room, 1);
      if (full) return full;
      const node = `n${room.nodesAdded + 1}`;
      const name = room.uniqueName(payload.name);
      const decision = decide(room.log.state, { type: 'addNode', node, name });
      if (!decision.ok) return fail(decision.code, decision.explanation);
      participant = { tokenHash, role: 'student', node, name, createdAt: nowMs };
      const result = this.#commit(room, nowMs, decision.events, { participants: [participant] });
      if (!result.ok) return result;
    } else {
      const observers = [...room.participants.values()].filter((p) => p.role === 'observer').length;
      if (observers >= this.#limits.observersPerRoomMax) {
        return fail('room-full', `This room has ${this.#limits.observersPerRoomMax} observers, its limit.`);
      }
      participant = { tokenHash, role: 'observer', node: null, name: payload.name, createdAt: nowMs };
      const result = this.#commit(room, nowMs, [], { participants: [participant] });
      if (!result.ok) return result;
    }
    this.#addParticipant(room, participant);
    if (payload.role === 'observer') this.#out.presence(room.code, room.info());
    return { ok: true, value: this.#sessionInfo(room, participant, token, 0) };
  }

  /** A participant comes back with its token and the last seq it has. */
  resume(token: string, lastSeq: number): Outcome<{ session: Session; info: SessionInfo }> {
    const tokenHash = hashToken(token);
    const room = this.#byToken.get(tokenHash);
    const participant = room?.participants.get(tokenHash);
    if (!room || !participant) {
      return fail('bad-token', 'This session is not known here: it ended, or the room expired. Join the room again with its code.');
    }
    if (lastSeq > room.log.length) {
      return fail('bad-request', `lastSeq ${lastSeq} is ahead of this room's log (${room.log.length} events): clear your copy and resume from 0.`);
    }
    return { ok: true, value: this.#sessionInfo(room, participant, token, lastSeq) };
  }

  #sessionInfo(room: Room, p: Participant, token: string, lastSeq: number): { session: Session; info: SessionInfo } {
    return {
      session: { tokenHash: p.tokenHash, code: room.code, role: p.role },
      info: {
        token,
        role: p.role,
        code: room.code,
        node: p.node,
        name: p.node ? room.log.state.nodes[p.node]?.name ?? p.name : p.name,
        records: room.records.slice(lastSeq),
        room: room.info(),
        protocolVersion: 1,
      },
    };
  }

  /** A socket of this session connected (+1) or disconnected (-1); presence is broadcast when it changes. */
  setOnline(session: Session, delta: 1 | -1): void {
    const room = this.#rooms.get(session.code);
    if (!room || !room.participants.has(session.tokenHash)) return;
    const before = room.online.get(session.tokenHash) ?? 0;
    const after = Math.max(0, before + delta);
    room.online.set(session.tokenHash, after);
    if ((before > 0) !== (after > 0)) this.#out.presence(room.code, room.info());
  }

  /** Runs one client command for `session`. Validation of the payload has happened already. */
  command<E extends ClientEventName>(session: Session, event: E, payload: ClientPayload<E>, nowMs: number): Outcome<CommandResult> {
    const room = this.#rooms.get(session.code);
    const participant = room?.participants.get(session.tokenHash);
    if (!room || !participant) return fail('bad-token', 'Your session has ended. Join the room again with its code.');
    if (participant.role === 'observer') {
      return fail('forbidden', 'Observers watch the room; join as a student to control a node.');
    }
    if (participant.role === 'student' && INSTRUCTOR_EVENTS.includes(event)) {
      return fail('forbidden', 'Only the instructor controls the network and the room.');
    }
    if (event === 'room:lock') {
      const { locked } = payload as ClientPayload<'room:lock'>;
      const r = this.#commit(room, nowMs, [], { locked });
      if (!r.ok) return r;
      room.locked = locked;
      this.#out.presence(room.code, room.info());
      return { ok: true, value: { seqs: [] } };
    }
    const mapped = this.#toCommand(room, participant, event, payload);
    if (!mapped.ok) return mapped;
    const { command } = mapped.value;
    if (command.type === 'addNode') {
      if (room.log.state.order.length >= this.#limits.nodesPerRoomMax) {
        return fail('room-full', `This room has ${this.#limits.nodesPerRoomMax} nodes, its limit.`);
      }
    }
    const decision = decide(room.log.state, command);
    if (!decision.ok) return fail(decision.code, decision.explanation);
    const full = this.#logFull(room, decision.events.length);
    if (full) return full;

    // Renaming or removing a student's node changes its participant row in the same transaction.
    const owner = 'node' in command ? [...room.participants.values()].find((p) => p.node === command.node) : undefined;
    const extra: { participants?: StoredParticipant[]; removeParticipants?: string[] } = {};
    if (command.type === 'renameNode' && owner) extra.participants = [{ ...owner, name: command.name }];
    if (command.type === 'removeNode' && owner) extra.removeParticipants = [owner.tokenHash];
    const result = this.#commit(room, nowMs, decision.events, extra);
    if (!result.ok) return result;
    if (command.type === 'renameNode' && owner) owner.name = command.name;
    if (command.type === 'removeNode' && owner) {
      room.participants.delete(owner.tokenHash);
      room.online.delete(owner.tokenHash);
      this.#byToken.delete(owner.tokenHash);
      this.#out.ended(room.code, [owner.tokenHash], 'removed');
    }
    if (command.type === 'addNode' || command.type === 'removeNode' || command.type === 'renameNode') {
      this.#out.presence(room.code, room.info());
    }
    return { ok: true, value: { seqs: result.value.map((r) => r.seq) } };
  }

  #toCommand(room: Room, p: Participant, event: ClientEventName, payload: unknown): Outcome<{ command: RoomCommand }> {
    const ok = (command: RoomCommand): Outcome<{ command: RoomCommand }> => ({ ok: true, value: { command } });
    let actor: string | null = null;
    if (NODE_EVENTS.includes(event)) {
      const asked = (payload as { node?: string }).node;
      if (p.role === 'student') {
        if (asked !== undefined && asked !== p.node) {
          const name = room.log.state.nodes[p.node!]?.name ?? p.node;
          return fail('forbidden', `You control ${name}; you cannot act for another node.`);
        }
        actor = p.node;
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
      case 'node:accept': {
        const { to } = payload as ClientPayload<'node:promise'>;
        return ok({ type: event === 'node:promise' ? 'promiseRequest' : 'acceptRequest', from: actor!, to });
      }
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
      case 'room:settings':
        return ok({ type: 'changeSettings', settings: (payload as ClientPayload<'room:settings'>).settings });
      case 'room:round':
        return ok({ type: 'newRound' });
      case 'participant:rename': {
        const { node, name } = payload as ClientPayload<'participant:rename'>;
        const current = room.log.state.nodes[node]?.name;
        return ok({ type: 'renameNode', node, name: current === name ? name : room.uniqueName(name) });
      }
      case 'participant:remove':
        return ok({ type: 'removeNode', node: (payload as ClientPayload<'participant:remove'>).node });
      case 'bot:add': {
        const { name } = payload as ClientPayload<'bot:add'>;
        const node = `n${room.nodesAdded + 1}`;
        return ok({ type: 'addNode', node, name: room.uniqueName(name ?? `Bot ${room.nodesAdded + 1}`), bot: true });
      }
      case 'room:join':
      case 'room:resume':
      case 'room:lock':
        return fail('bad-request', `${event} is not a command.`);
    }
  }

  #logFull(room: Room, adding: number): Outcome<never> | null {
    if (room.log.length + adding <= this.#limits.eventsPerRoomMax) return null;
    return fail('log-full', `This room's log holds ${this.#limits.eventsPerRoomMax} events, its limit: start a new room to go on.`);
  }

  /** Commits events (and participant or lock changes) in one transaction, then applies and broadcasts them. */
  #commit(
    room: Room,
    nowMs: number,
    events: readonly RoomEvent[],
    extra: { participants?: StoredParticipant[]; removeParticipants?: string[]; locked?: boolean },
  ): Outcome<LogRecord[]> {
    const expiresAt = nowMs + this.#limits.roomTtlMs;
    const first = room.log.length + 1;
    try {
      this.#store.commit({
        code: room.code,
        expiresAt,
        ...extra,
        events: events.map((event, i) => ({ seq: first + i, at: nowMs, event })),
      });
    } catch {
      return fail('server-error', 'The server could not save that; nothing changed. Try again in a moment.');
    }
    room.expiresAt = expiresAt;
    if (events.length === 0) return { ok: true, value: [] };
    const records = room.apply(events, nowMs);
    this.#out.records(room.code, records);
    return { ok: true, value: records };
  }

  /** Deletes rooms whose time is up and ends their sessions. Returns the codes removed. */
  expire(nowMs: number): string[] {
    const gone: string[] = [];
    for (const room of this.#rooms.values()) {
      if (room.expiresAt > nowMs) continue;
      this.#store.deleteRoom(room.code);
      this.#rooms.delete(room.code);
      const tokens = [...room.participants.keys()];
      for (const t of tokens) this.#byToken.delete(t);
      this.#out.ended(room.code, tokens, 'expired');
      gone.push(room.code);
    }
    return gone;
  }
}
