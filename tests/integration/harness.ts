/** A real server on a free port and real socket.io clients, for integration tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, expect } from 'vitest';
import { io as connect, type ManagerOptions, type Socket } from 'socket.io-client';
import { createApp, DEFAULT_LIMITS, SqliteStore, type App, type ServerConfig, type Store } from '@toy-paxos/server';
import { applyPresenceChange, HISTORY_TEXT_MAX, PROTOCOL_VERSION, type Ack, type PresenceChange, type HistoryPage, type RoomState, type ClientEventName, type CreatedRoom, type LogRecord, type RoomInfo, type SessionInfo, type TimelineInfo } from '@toy-paxos/shared';

export interface TestServer {
  readonly app: App;
  readonly url: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startServer(
  overrides: Partial<ServerConfig> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'toy-paxos-it-')),
  options: { roomCode?: () => string; store?: (dataDir: string) => Store } = {},
): Promise<TestServer> {
  const config: ServerConfig = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    allowedOrigins: ['http://localhost:3000'],
    publicUrl: 'http://localhost:3000',
    logLevel: 'silent',
    clientDir: join(dataDir, 'no-client'),
    limits: DEFAULT_LIMITS,
    ...overrides,
  };
  const store = options.store?.(dataDir) ?? new SqliteStore(dataDir);
  const app = createApp({ config, store, logger: pino({ level: 'silent' }), roomCode: options.roomCode });
  const port = await app.listen(0, '127.0.0.1');
  return { app, url: `${config.tls ? 'https' : 'http'}://127.0.0.1:${port}`, dataDir, close: () => app.close() };
}

export async function createRoom(url: string): Promise<CreatedRoom> {
  const res = await fetch(`${url}/api/rooms`, { method: 'POST' });
  if (res.status !== 201) throw new Error(`room creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedRoom;
}

type AnyAck = Ack<Record<string, unknown>>;

/** A participant's client: keeps the room's records in order, resumes after every reconnect. */
export class TestClient {
  /** How long an emit waits for its answer before it counts as unanswered. */
  readonly #ackTimeoutMs: number;
  readonly socket: Socket;
  records: LogRecord[] = [];
  presence: RoomInfo | null = null;
  token: string | null = null;
  session: SessionInfo | null = null;
  readonly problems: string[] = [];
  ended: string | null = null;
  timeline: TimelineInfo | null = null;
  /** The state before `records[0]` when the server sent only the newest records; null when `records` start at event 1. */
  base: RoomState | null = null;

  constructor(
    url: string,
    options: { origin?: string; headers?: Record<string, string>; transports?: string[]; parser?: Partial<ManagerOptions>['parser']; ca?: string; query?: Record<string, string>; ackTimeoutMs?: number } = {},
  ) {
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.socket = connect(url, {
      forceNew: true,
      ...(options.query ? { query: options.query } : {}),
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      transports: options.transports ?? ['websocket'],
      extraHeaders: { ...options.headers, ...(options.origin ? { Origin: options.origin } : {}) },
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.parser ? { parser: options.parser } : {}),
    });
    this.socket.on('room:records', ({ records }: { records: LogRecord[] }) => {
      // Broadcasts can be handled before the answer to a join or resume is: hold them until then.
      if (this.#held) this.#held.push(...records);
      else this.#take(records, 'broadcast');
    });
    this.socket.on('room:presence', (change: PresenceChange) => {
      if (this.presence) this.presence = applyPresenceChange(this.presence, change);
    });
    this.socket.on('room:timeline', ({ timeline, records, base }: { timeline: TimelineInfo; records: LogRecord[]; base: RoomState | null }) => {
      this.timeline = timeline;
      this.records = [];
      this.base = base;
      this.#take(records, 'timeline');
    });
    this.socket.on('session:ended', ({ reason }: { reason: string }) => (this.ended = reason));
    this.socket.io.on('reconnect', () => {
      if (this.token) void this.#resumeUntilTaken();
    });
  }

  get lastSeq(): number {
    return this.records.at(-1)?.seq ?? this.base?.seq ?? 0;
  }

  /** Fetches the records before the first one held, with their text, so that `records` start at event 1 again. */
  async loadHistory(): Promise<void> {
    while (this.base) {
      const to = this.base.seq;
      const from = Math.max(1, to - HISTORY_TEXT_MAX + 1);
      const ack = await this.emit('room:history', { from, to, text: true });
      // The server paces long histories by the person's budget: wait a moment and ask again.
      if (!ack.ok && (ack.error as { code: string }).code === 'rate-limited') {
        await new Promise((resolve) => setTimeout(resolve, 300));
        continue;
      }
      if (!ack.ok) throw new Error(`room:history ${from}..${to}: ${JSON.stringify(ack)}`);
      const page = ack.history as HistoryPage;
      this.records = [...(page.records as LogRecord[]), ...this.records];
      this.base = from === 1 ? null : page.base;
    }
  }

  /** Broadcast records that arrived while a join or resume was being answered. */
  #held: LogRecord[] | null = null;

  /** Where each batch of records came from, for the message of a gap. */
  readonly #trace: string[] = [];

  #take(records: readonly LogRecord[], source = 'session'): void {
    this.#trace.push(`${source} ${records[0]?.seq ?? '-'}..${records.at(-1)?.seq ?? '-'} (had ${this.lastSeq})`);
    for (const r of records) {
      if (r.seq <= this.lastSeq) continue; // already have it (a resume may overlap a broadcast)
      if (r.seq !== this.lastSeq + 1) this.problems.push(`gap: got ${r.seq} after ${this.lastSeq}; last batches: ${this.#trace.slice(-6).join(' | ')}`);
      this.records.push(r);
    }
  }

  async emit(event: ClientEventName | string, payload: unknown): Promise<AnyAck> {
    try {
      return (await this.socket.timeout(this.#ackTimeoutMs).emitWithAck(event, payload)) as AnyAck;
    } catch (e) {
      // Which command went unanswered, and how the connection stood.
      throw new Error(`${(e as Error).message}: ${event} after ${this.#ackTimeoutMs} ms (${this.socket.connected ? `connected over ${this.socket.io.engine?.transport?.name}` : 'disconnected'})`);
    }
  }

  /** Joins; with `joinId`, as the web page does (a retry with the same id gets the same session, and the page confirms it). */
  async join(code: string, name: string, role: 'student' | 'observer' = 'student', joinId?: string): Promise<AnyAck> {
    this.#held = [];
    const ack = await this.emit('room:join', { v: PROTOCOL_VERSION, code, name, role, ...(joinId ? { joinId } : {}) }).catch((e: unknown) => {
      this.#held = null;
      throw e;
    });
    this.#settle(ack);
    return ack;
  }

  async resume(token = this.token!): Promise<AnyAck> {
    // No timeout, as in the web client: a resume emitted while the connection comes back is
    // sent once it is up, and the session it opens must not be dropped for a late answer.
    this.#held = [];
    const ack = (await this.socket.emitWithAck('room:resume', {
      v: PROTOCOL_VERSION,
      token,
      lastSeq: this.lastSeq,
      branch: this.timeline?.active ?? 0,
    })) as AnyAck;
    this.#settle(ack);
    return ack;
  }

  /**
   * Resumes after a reconnect, and again while the answer is a refusal that says to try again
   * (a process still reading its rooms, a database restarting), as the web client does.
   */
  async #resumeUntilTaken(): Promise<void> {
    // `active`, not `connected`: the manager reconnects before the socket is connected again,
    // and a resume emitted meanwhile is sent once it is.
    for (let tries = 0; tries < 50 && this.socket.active; tries++) {
      const ack = await this.resume();
      if (ack.ok || !['store-unavailable', 'rate-limited', 'server-error'].includes((ack.error as { code: string }).code)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Applies a join or resume answer, then the broadcasts held meanwhile. */
  #settle(ack: AnyAck): void {
    const held = this.#held ?? [];
    this.#held = null;
    if (ack.ok) this.#started(ack.session as SessionInfo);
    if (held.length) this.#take(held, 'held');
  }

  #started(session: SessionInfo): void {
    if ((this.timeline && session.timeline.active !== this.timeline.active) || session.base) this.records = [];
    if (session.base) this.base = session.base;
    this.timeline = session.timeline;
    this.session = session;
    this.token = session.token;
    this.presence = session.room;
    this.#take(session.records, 'resume');
  }

  /** Resolves when `predicate` holds, checking on every record and presence change. */
  until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    return until(predicate, what, timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}

/** Resolves when `predicate` holds, checking every 10 ms; throws, naming `what`, after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function textOf(records: readonly LogRecord[]): string {
  return records.map((r) => `${r.seq} ${r.lines.join('\n')}`).join('\n');
}

/**
 * Keeps student `c` acting until `stopped()`: a proposal, a promise request and an accept
 * request in turn (`k` shifts the turn), `pauseMs` apart; adds the seqs acknowledged to `acked`.
 * A command with no answer (its server was killed) was not acknowledged.
 */
export async function keepActing(c: TestClient, k: number, acked: Set<number>, stopped: () => boolean, pauseMs = 20): Promise<void> {
  for (let i = 0; !stopped(); i++) {
    const [event, payload] = [['node:propose', { value: `V${k}` }], ['node:promise', { to: 'all' }], ['node:accept', { to: 'all' }]][(i + k) % 3]!;
    try {
      const ack = await c.emit(event as string, payload);
      if (ack.ok) for (const seq of ack.seqs as number[]) acked.add(seq);
    } catch {
      // no answer: the process is gone; the command was not acknowledged
    }
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** Waits until every client holds `seq` events, then expects one log, the same text everywhere, with no gap. */
export async function sameLog(all: readonly TestClient[], seq: number): Promise<void> {
  for (const c of all) await c.until(() => c.lastSeq >= seq, `event ${seq} on every client (last seqs: ${all.map((x) => x.lastSeq).join(', ')})`, 15_000);
  for (const c of all) await c.loadHistory();
  const text = textOf(all[0]!.records);
  for (const c of all) {
    expect(c.problems).toEqual([]);
    expect(c.records.map((r) => r.seq)).toEqual(c.records.map((_, i) => i + 1));
    expect(textOf(c.records)).toBe(text);
  }
}

/** A fresh server for every test, and the clients the test opens, all closed after it. */
export interface ServerEnv {
  /** The running server; a test may replace it (a restart on the same data). */
  server: TestServer;
  /** The clients opened so far; closed after each test. */
  readonly clients: TestClient[];
  /** Opens a client on the current server. */
  client(options?: ConstructorParameters<typeof TestClient>[1]): TestClient;
}

export function useServer(): ServerEnv {
  const env: ServerEnv = {
    server: undefined as unknown as TestServer,
    clients: [],
    client(options) {
      const c = new TestClient(env.server.url, options);
      env.clients.push(c);
      return c;
    },
  };
  beforeEach(async () => {
    env.server = await startServer();
  });
  afterEach(async () => {
    for (const c of env.clients.splice(0)) c.close();
    await env.server.close();
  });
  return env;
}

/** Servers and clients a test opens as it needs them, each with its own settings; all closed after it. */
export function useServers(): {
  server(...args: Parameters<typeof startServer>): Promise<TestServer>;
  client(...args: ConstructorParameters<typeof TestClient>): TestClient;
} {
  const servers: TestServer[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });
  return {
    async server(...args) {
      const s = await startServer(...args);
      servers.push(s);
      return s;
    },
    client(...args) {
      const c = new TestClient(...args);
      clients.push(c);
      return c;
    },
  };
}
