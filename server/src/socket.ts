/**
 * The socket.io adapter: validates every payload against its zod schema, enforces
 * rate limits and sessions, calls the classroom, and answers through the ack.
 * Unknown events and malformed payloads get an error and change nothing.
 */
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import { CLIENT_EVENTS, describeIssues, type ClientPayload } from '@toy-paxos/shared/protocol';
import {
  PROTOCOL_VERSION,
  type Ack,
  type AckError,
  type AnalyticsReply,
  type CommandResult,
  type HistoryPage,
  type SessionInfo,
  type ClientEventName,
  type ConnectionClosedReason,
  type LogRecord,
  type PresenceChange,
  type ServerToClient,
  type TimelineInfo,
} from '@toy-paxos/shared';
import type { Broadcaster, Classroom, Outcome, Session } from './classroom';
import { guarded } from './commit';
import type { RecentLog } from './room';
import type { ServerLimits } from './config';
import { clientAddress } from './network';
import { BucketMap, PerMinuteLimiter, TokenBucket } from './security';

/** socket.io's typed server: payloads from clients are `unknown` until validated. */
export type ClassroomServer = Server<Record<string, (...args: unknown[]) => void>, ServerToClient, object, SocketData>;
type ClassroomSocket = Socket<Record<string, (...args: unknown[]) => void>, ServerToClient, object, SocketData>;

export interface SocketData {
  /** Where the connection comes from: behind a trusted reverse proxy, the address it forwarded. */
  address: string;
  session?: Session;
  /** A room:join or room:resume is being answered: a second one is already-joined. */
  joining?: boolean;
  /** Being cut off: its events are dropped without an answer. */
  cut?: boolean;
}

const CLOSED_MESSAGES: Record<ConnectionClosedReason, string> = {
  flooding: 'This page sent far more actions than the server allows, so the server closed its connection. Reload the page to go on.',
  replaced: 'Your session was opened on too many pages or devices at once, so the server closed this older one. Reload the page to use it here.',
};

/** The channel of a room's instructor sockets: they alone get the answers of questions not revealed yet. */
function instructorChannel(code: string): string {
  return `${code}#instructor`;
}

const NOT_JOINED: AckError = { code: 'not-joined', message: 'Join a room first (room:join or room:resume).' };

/** How long a flooding connection's last messages have to leave before its TCP socket is destroyed. */
const CUT_LINGER_MS = 1000;

/** What a payload is when it is not a plain object (binary data, an array, a string...), or null when it is one. */
function notAnObject(payload: unknown): string | null {
  if (payload === null) return 'null';
  if (Array.isArray(payload)) return 'an array';
  if (ArrayBuffer.isView(payload) || payload instanceof ArrayBuffer) return 'binary data';
  if (typeof payload !== 'object') return `a ${typeof payload}`;
  const proto = Object.getPrototypeOf(payload) as unknown;
  return proto === Object.prototype || proto === null ? null : 'an object of another kind';
}

/** The answer to a join or resume whose `v` is not this server's protocol version: what was sent, and what to do. */
function versionRefused(v: unknown): string {
  const expected = `This server speaks protocol version ${PROTOCOL_VERSION}`;
  if (v === undefined) return `${expected}, and the request has no "v": send "v": ${PROTOCOL_VERSION}, or reload the page to get the current client.`;
  if (typeof v === 'number') return `${expected}, not ${v}: reload the page to get the current client.`;
  const shown = typeof v === 'string' ? `the text ${JSON.stringify(v.slice(0, 20))}` : `a ${v === null ? 'null' : typeof v}`;
  return `${expected}, not ${shown}: "v" is the number ${PROTOCOL_VERSION}. Reload the page to get the current client.`;
}

/**
 * Closes a connection whose session goes on, saying why; what it still sends is dropped
 * unanswered. A flooder's connection also stops being read at once: its TCP socket is
 * paused, so what is already on its way costs no parsing, and destroyed a moment later
 * (once the reason has gone out).
 */
function closeConnection(socket: ClassroomSocket, reason: ConnectionClosedReason): void {
  if (socket.data.cut) return;
  socket.data.cut = true;
  socket.emit('connection:closed', { reason, message: CLOSED_MESSAGES[reason] });
  const tcp = socket.conn.transport.name === 'websocket' ? socket.request.socket : null;
  socket.disconnect(true);
  if (reason === 'flooding' && tcp) {
    tcp.pause();
    setTimeout(() => tcp.destroy(), CUT_LINGER_MS).unref();
  }
}

/**
 * socket.io keeps a socket's catch-all listeners in an array that `onAny` pushes to, and a
 * push makes an empty array room for 17: some 130 bytes a connection for the one listener.
 * An array of exactly one holds the same listener.
 */
function compactAnyListeners(socket: ClassroomSocket): void {
  const held = socket as unknown as { _anyListeners?: unknown[] };
  if (held._anyListeners?.length === 1) held._anyListeners = [held._anyListeners[0]];
}

/** Events of history per event of a person's budget: a page costs about 12 ms of the server's time per share (5,000 events of a 99-node room: about 30 ms; 1,000 with text: about 70 ms). */
export const HISTORY_EVENTS_PER_TOKEN = 2000;
export const HISTORY_TEXT_PER_TOKEN = 200;

/** What a `room:history` request costs of the sender's budget. */
export function historyCost({ from, to, text }: { from: number; to: number; text?: boolean }): number {
  return Math.ceil((to - from + 1) / (text ? HISTORY_TEXT_PER_TOKEN : HISTORY_EVENTS_PER_TOKEN));
}

/**
 * Sends records, presence and session ends to the right sockets of this process. With many
 * processes, each sends what it learns to its own sockets (peers.ts), in the order of the
 * log, rather than through the adapter: two processes' broadcasts could cross on the way.
 */
export class SocketBroadcaster implements Broadcaster {
  #io: ClassroomServer | null = null;
  /**
   * The open sockets of each session, oldest first. Most sessions have one page open: its
   * socket is held as it is, and only a session open on several pages has an array (a Set
   * per session cost each page some 200 bytes).
   */
  readonly #byToken = new Map<string, ClassroomSocket | ClassroomSocket[]>();

  attach(io: ClassroomServer): void {
    this.#io = io;
  }

  track(tokenHash: string, socket: ClassroomSocket): void {
    const held = this.#byToken.get(tokenHash);
    if (held === undefined) this.#byToken.set(tokenHash, socket);
    else if (Array.isArray(held)) {
      if (!held.includes(socket)) held.push(socket);
    } else if (held !== socket) this.#byToken.set(tokenHash, [held, socket]);
  }

  /** The open sockets of a session, oldest first. */
  socketsOf(tokenHash: string): ClassroomSocket[] {
    const held = this.#byToken.get(tokenHash);
    return held === undefined ? [] : Array.isArray(held) ? [...held] : [held];
  }

  untrack(tokenHash: string, socket: ClassroomSocket): void {
    const held = this.#byToken.get(tokenHash);
    if (held === socket) return void this.#byToken.delete(tokenHash);
    if (!Array.isArray(held)) return;
    const rest = held.filter((s) => s !== socket);
    this.#byToken.set(tokenHash, rest.length === 1 ? rest[0]! : rest);
  }

  records(code: string, records: readonly LogRecord[], forClass?: readonly LogRecord[]): void {
    if (!forClass) return void this.#io?.local.to(code).emit('room:records', { records });
    this.#io?.local.to(instructorChannel(code)).emit('room:records', { records });
    this.#io?.local.to(code).except(instructorChannel(code)).emit('room:records', { records: forClass });
  }

  presence(code: string, change: PresenceChange): void {
    this.#io?.local.to(code).emit('room:presence', change);
  }

  replay(code: string, seq: number | null): void {
    this.#io?.local.to(code).emit('room:replay', { seq });
  }

  timeline(code: string, timeline: TimelineInfo, { base, records }: RecentLog, forClass?: RecentLog): void {
    if (!forClass) return void this.#io?.local.to(code).emit('room:timeline', { timeline, records, base });
    this.#io?.local.to(instructorChannel(code)).emit('room:timeline', { timeline, records, base });
    this.#io?.local.to(code).except(instructorChannel(code)).emit('room:timeline', { timeline, records: forClass.records, base: forClass.base });
  }

  answered(code: string, id: number, answered: number): void {
    this.#io?.local.to(code).emit('checkpoint:answered', { id, answered });
  }

  ended(_code: string, tokenHashes: readonly string[], reason: 'removed' | 'expired' | 'revoked'): void {
    const message = {
      removed: 'The instructor removed you from the room. Join again with the code if this was a mistake.',
      expired: 'This room has expired. Ask your instructor for a new code.',
      revoked: 'The instructor has revoked this replay link. Ask them for a new one.',
    }[reason];
    for (const h of tokenHashes) {
      for (const socket of this.socketsOf(h)) {
        socket.emit('session:ended', { reason, message });
        socket.data.session = undefined;
        socket.disconnect(true);
      }
      this.#byToken.delete(h);
    }
  }
}

export interface SocketOptions {
  readonly io: ClassroomServer;
  readonly classroom: Classroom;
  readonly broadcaster: SocketBroadcaster;
  readonly limits: ServerLimits;
  readonly clock: () => number;
  readonly logger: Logger;
  /** Whether to believe a proxy's X-Forwarded-For, address by address (from TRUST_PROXY). */
  readonly trust: (address: string, hop: number) => boolean;
}

type Reply = (ack: Ack<{ session: SessionInfo }> | Ack<CommandResult> | Ack<{ history: HistoryPage }> | Ack<AnalyticsReply>) => void;

/** Wires every client event of the protocol to the classroom. */
export function bindSockets({ io, classroom, broadcaster, limits, clock, logger, trust }: SocketOptions): void {
  const joinFailures = new PerMinuteLimiter(limits.joinsPerMinute);
  const names = new Set(Object.keys(CLIENT_EVENTS));
  // Budgets belong to people, not sockets: one per session token, whatever number of
  // sockets share it, and one per address for sockets that have no session yet.
  const perSession = new BucketMap(limits.commandBurst, limits.commandsPerSecond);
  const perAddress = new BucketMap(limits.addressBurst, limits.addressEventsPerSecond);
  // Past an empty budget, a few more events are answered before a socket is cut off. That
  // overdraft belongs to the session (or, before one, to the address) as the budget does, so
  // that neither more sockets nor a new socket after a cut-off buys a flooder anything.
  const sessionOverdraft = new BucketMap(limits.commandBurst, limits.commandsPerSecond);
  const addressOverdraft = new BucketMap(limits.commandBurst, limits.commandsPerSecond);
  // The history the whole server serves, whoever asks (see ServerLimits.historyBurst).
  const history = new TokenBucket(limits.historyBurst, limits.historyPerSecond, clock());
  const slowDown: AckError = { code: 'rate-limited', message: `Slow down: at most ${limits.commandsPerSecond} actions a second. Try again in a moment.` };

  /**
   * Spends one event of this person's budget. Past it, the event is refused; a socket
   * that goes on spending its overdraft too is cut off, and from then on (and for what
   * it had sent already) nothing is answered, so flooding costs the server next to nothing.
   */
  const spend = (socket: ClassroomSocket): 'ok' | 'refused' | 'cut' => {
    if (socket.data.cut) return 'cut';
    const now = clock();
    const session = socket.data.session;
    const budget = session ? perSession.get(session.tokenHash, now) : perAddress.get(socket.data.address, now);
    if (budget.take(now)) return 'ok';
    const overdraft = session ? sessionOverdraft.get(session.tokenHash, now) : addressOverdraft.get(socket.data.address, now);
    if (overdraft.take(now)) return 'refused';
    logger.warn({ code: session?.code }, 'connection cut off for flooding');
    closeConnection(socket, 'flooding');
    return 'cut';
  };

  /**
   * Every event a socket receives, known or not. One listener shared by all sockets (socket.io
   * calls it with the socket as `this`): a listener per event and socket cost each connection
   * some 8 KiB of closures and listener tables.
   */
  function onEvent(this: ClassroomSocket, event: string, ...args: unknown[]): void {
    const socket = this;
    const last = args.at(-1);
    if (!names.has(event)) {
      // Unknown events cost the budget too, so they cannot be flooded for free.
      const spent = spend(socket);
      if (spent === 'cut' || typeof last !== 'function') return;
      const error: AckError = spent === 'ok' ? { code: 'unknown-event', message: `There is no event "${String(event).slice(0, 40)}" in this protocol.` } : slowDown;
      return (last as Reply)({ ok: false, error });
    }
    const name = event as ClientEventName;
    const reply: Reply = typeof last === 'function' ? (last as Reply) : () => {};
    const raw = typeof last === 'function' ? args.slice(0, -1) : args;
    const fail = (error: AckError) => reply({ ok: false, error });
    try {
      const spent = spend(socket);
      if (spent === 'cut') return;
      if (spent === 'refused') return fail(slowDown);
      if (raw.length !== 1) return fail({ code: 'bad-request', message: `${name} takes exactly one payload object.` });
      const notObject = notAnObject(raw[0]);
      if (notObject) return fail({ code: 'bad-request', message: `${name} takes one payload object ({...} in JSON), not ${notObject}.` });
      // Before a session, only a join or a resume is read: nothing else is worth its validation.
      if (!socket.data.session && name !== 'room:join' && name !== 'room:resume') return fail(NOT_JOINED);
      const v = (raw[0] as { v?: unknown } | null)?.v;
      if ((name === 'room:join' || name === 'room:resume') && v !== PROTOCOL_VERSION) {
        return fail({ code: 'protocol-version', message: versionRefused(v) });
      }
      const parsed = CLIENT_EVENTS[name].safeParse(raw[0]);
      if (!parsed.success) return fail({ code: 'bad-request', message: describeIssues(parsed.error) });
      handle(socket, name, parsed.data, reply, fail);
    } catch (error) {
      logger.error({ err: error, event: name, code: socket.data.session?.code }, 'command failed');
      fail({ code: 'server-error', message: 'Something went wrong on the server; nothing changed. Try again.' });
    }
  }

  /** A socket closed (socket.io calls it with the socket as `this`). */
  function onDisconnect(this: ClassroomSocket): void {
    const session = this.data.session;
    if (!session) return;
    broadcaster.untrack(session.tokenHash, this);
    classroom.setOnline(session, -1, clock());
  }

  io.on('connection', (socket) => {
    // Behind a trusted reverse proxy, the address it forwarded: per-address limits then see each client.
    socket.data.address = clientAddress(socket.request, trust);
    socket.onAny(onEvent);
    compactAnyListeners(socket);
    socket.on('disconnect', onDisconnect);
  });

  /**
   * An answer the classroom gives after the handler returned (once the commit is done): the
   * handler's try/catch is over by then, so an exception here is logged and answered
   * `server-error` here, rather than stopping the process with every socket on it.
   */
  function later<T>(socket: ClassroomSocket, name: ClientEventName, fail: (e: AckError) => void, answer: (outcome: T) => void): (outcome: T) => void {
    return (outcome) =>
      guarded(
        () => answer(outcome),
        fail,
        (error) => logger.error({ err: error, event: name, code: socket.data.session?.code }, 'command failed'),
      );
  }

  function handle(s: ClassroomSocket, name: ClientEventName, payload: unknown, reply: Reply, fail: (e: AckError) => void): void {
    if (name === 'room:join' || name === 'room:resume') {
      if (s.data.session || s.data.joining) {
        return fail({ code: 'already-joined', message: 'This connection has joined a room already; reload the page to switch rooms.' });
      }
      // Wrong room codes are what a guesser produces: only failed joins count against an address.
      if (name === 'room:join' && joinFailures.blocked(s.data.address, clock())) {
        return fail({ code: 'rate-limited', message: 'Too many wrong room codes from here: wait a minute and try again.' });
      }
      s.data.joining = true;
      const started = later(s, name, fail, (outcome: Outcome<{ session: Session; info: SessionInfo }>) => {
        s.data.joining = false;
        if (!outcome.ok) {
          if (name === 'room:join' && outcome.error.code === 'room-not-found') joinFailures.record(s.data.address, clock());
          return fail(outcome.error);
        }
        if (!s.connected) {
          // Gone while the commit ran: a resume can come back on the next connection, but a
          // join's token never reached anyone, so what it created is taken back.
          if (name === 'room:join') classroom.abandon(outcome.value.session, clock());
          return;
        }
        const { session, info } = outcome.value;
        // A session may be open on a few pages at once; a new one closes the oldest.
        const open = broadcaster.socketsOf(session.tokenHash);
        for (const old of open.slice(0, Math.max(0, open.length - limits.socketsPerSessionMax + 1))) closeConnection(old, 'replaced');
        // Join the room's channel in the same tick as the snapshot: no event can fall between.
        s.data.session = session;
        s.join(session.code);
        if (session.role === 'instructor') s.join(instructorChannel(session.code));
        broadcaster.track(session.tokenHash, s);
        classroom.setOnline(session, 1, clock());
        logger.info({ code: session.code, role: session.role, event: name }, 'session started');
        reply({ ok: true, session: { ...info, room: classroom.roomInfo(session.code) ?? info.room } });
      });
      if (name === 'room:join') classroom.join(payload as ClientPayload<'room:join'>, clock(), started);
      else {
        const { token, lastSeq, branch } = payload as ClientPayload<'room:resume'>;
        classroom.resume(token, lastSeq, branch, clock(), started);
      }
      return;
    }
    const session = s.data.session;
    if (!session) return fail(NOT_JOINED);
    if (name === 'room:confirm') {
      classroom.confirm(session);
      return reply({ ok: true, seqs: [] });
    }
    if (name === 'room:history') {
      // A page of history costs the server by its size: the event already paid for the first share.
      const page = payload as ClientPayload<'room:history'>;
      const cost = historyCost(page);
      // However many ask at once, history takes a bounded part of the event loop.
      if (!history.has(clock(), cost)) {
        return fail({ code: 'rate-limited', message: 'The server is busy sending earlier parts of logs: try again in a moment.' });
      }
      if (cost > 1 && !perSession.get(session.tokenHash, clock()).take(clock(), cost - 1)) {
        return fail({ code: 'rate-limited', message: `Slow down: the earlier log comes at most ${HISTORY_EVENTS_PER_TOKEN * limits.commandsPerSecond} events (${HISTORY_TEXT_PER_TOKEN * limits.commandsPerSecond} with text) a second. Try again in a moment.` });
      }
      history.take(clock(), cost);
      return classroom.history(session, page, (outcome) => (outcome.ok ? reply({ ok: true, ...outcome.value }) : fail(outcome.error)));
    }
    if (name === 'room:analytics') return classroom.analytics(session, (outcome) => (outcome.ok ? reply({ ok: true, ...outcome.value }) : fail(outcome.error)));
    classroom.command(
      session,
      name,
      payload as never,
      clock(),
      later(s, name, fail, (outcome: Outcome<CommandResult>) => {
        if (!outcome.ok) return fail(outcome.error);
        reply({ ok: true, ...outcome.value });
      }),
    );
  }
}
