/**
 * npm run bench:join
 * Two costs of joining. First, a class of 40 after three rounds delivered in bulk (queued
 * delivery, each round's last deliver-all 1,561 messages): the bytes of a student's join,
 * beside what the newest records weighed before bulk deliveries were folded and explained by
 * kind (worked out in this run from the same events), and how long a phone on a slow
 * network (Chromium throttled through the DevTools protocol: a CPU 4 times slower,
 * 400 kbit/s each way, 400 ms round trip) takes from opening the join link to its node card,
 * and then from opening the room's address again to its first screen and its node card.
 * Targets: 150 kB, 8 s. Needs the client built (`npm run build`).
 *
 * Then a large room: opens a room from a script of 99,397 events
 * (99 nodes, 1,003 promise requests to all: near the 100,000-event limit), then prints the
 * server's memory for it, and what a student joining it downloads and how long until the
 * page is live (the join's answer received and read). Targets: 2 MB, 1 s, 30 MB per room.
 * `npm run bench:join -- class` runs only the first part.
 *
 * The large room's server runs in its own process (tests/bench/server-process.ts); the
 * student here. A benchmark, not a test: it prints figures and never fails a build.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { io as connect } from 'socket.io-client';
import {
  annotate,
  apply,
  cloneRoomState,
  HISTORY_EVENTS_MAX,
  initialRoomState,
  PROTOCOL_VERSION,
  RECENT_RECORDS,
  RoomLog,
  toLogRecord,
  type HistoryEvent,
  type LogRecord,
  type RoomEvent,
  type SessionInfo,
} from '@toy-paxos/shared';
import { launch, person, PHONE, startClassroom } from '../e2e/harness';
import { playBulkRounds } from '../support/bulk-rounds';

/** What the cap on a join's records was before bulk deliveries were folded (characters of JSON). */
const OLD_RECENT_CHARS_MAX = 256_000;
/** The phone, as the DevTools protocol throttles it. */
const SLOW_NETWORK = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };
const SLOW_CPU = 4;

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

/**
 * The JSON size of a record as it was sent before: every line, and for a bulk delivery an
 * explanation with a sentence per message (made here again from the core's sentence for
 * each delivery, as the old explanation strung them together after the grouped one's opening).
 */
function oldRecordChars(before: ReturnType<typeof initialRoomState>, event: RoomEvent, record: LogRecord): number {
  const entry = annotate(before, event);
  let explanation = entry.explanation;
  if (event.type === 'deliveredAll') {
    const whys: string[] = [];
    let state = before;
    for (const d of event.deliveries) {
      const next = cloneRoomState(state);
      const one = { type: 'delivered' as const, id: d.id, reply: d.reply };
      apply(next, one);
      whys.push(`#${d.id}: ${annotate(state, one, next).explanation}`);
      state = next;
    }
    explanation = `${explanation.slice(0, explanation.indexOf(' in flight') + 1)} ${whys.join(' ')}`;
  }
  const { folded: _, ...whole } = record;
  return JSON.stringify({ ...whole, lines: entry.lines, explanation }).length;
}

/** A class of 40 after three rounds: what a join costs now and before, and a slow phone's wait for its node card. */
async function classOf40(): Promise<void> {
  const classroom = await startClassroom();
  const browser = await launch();
  try {
    const made = await fetch(`${classroom.localUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { code, instructorToken } = (await made.json()) as { code: string; instructorToken: string };
    const teacher = connect(classroom.localUrl, { transports: ['websocket'], forceNew: true, reconnection: false });
    const emit = (event: string, payload: object) => teacher.timeout(30_000).emitWithAck(event, payload);
    if (!(await emit('room:resume', { v: PROTOCOL_VERSION, token: instructorToken, lastSeq: 0 })).ok) throw new Error('resume refused');
    if (!(await emit('bot:add', { count: 40 })).ok) throw new Error('bot:add refused');
    if (!(await emit('room:settings', { settings: { delivery: 'queued' } })).ok) throw new Error('settings refused');
    await playBulkRounds(emit, 3);

    // A student's join, over a socket: its answer's bytes.
    const student = connect(classroom.localUrl, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise((resolve) => student.once('connect', () => resolve(undefined)));
    let bytes = 0;
    student.io.engine.on('packet', (p: { data?: unknown }) => {
      if (typeof p.data === 'string') bytes += Buffer.byteLength(p.data);
    });
    const ack = (await student.emitWithAck('room:join', { v: PROTOCOL_VERSION, code, name: 'Student', role: 'student' })) as { ok: boolean; session: SessionInfo };
    if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
    const session = ack.session;
    const joinBytes = bytes;

    // The same records as they were before, from the room's own events.
    const last = session.records.at(-1)!.seq;
    const history = (await emit('room:history', { from: 1, to: last })) as { ok: boolean; history: { records: HistoryEvent[] } };
    if (!history.ok) throw new Error('room:history refused');
    const log = new RoomLog(initialRoomState(session.settings), history.history.records.map((r) => r.event));
    const newest = Math.max(1, last - RECENT_RECORDS + 1);
    const entries = log.entries(newest, last);
    let oldChars = 0;
    let newChars = 0;
    const old: number[] = [];
    for (const [i, entry] of entries.entries()) {
      const event = log.eventAt(entry.seq);
      const record = toLogRecord(entry, event, 0);
      const chars = oldRecordChars(log.stateAt(entry.seq - 1), event, record);
      old.push(chars);
      oldChars += chars;
      newChars += JSON.stringify(record).length;
      if (event.type === 'deliveredAll' && record.folded && i === entries.length - 2) {
        console.log(`the last round's deliver-all of the notices (${event.deliveries.length.toLocaleString('en')} messages): a record of ${kB(JSON.stringify(record).length)} now, ${kB(chars)} before (every line, and a sentence a message); its event alone ${kB(JSON.stringify(event).length)}`);
      }
    }
    // Before: the newest records that fitted in the old cap, at least one.
    let kept = 0;
    for (let chars = 0; kept < old.length && (kept === 0 || chars + old[old.length - 1 - kept]! <= OLD_RECENT_CHARS_MAX); kept++) chars += old[old.length - 1 - kept]!;
    console.log(
      `the ${entries.length} newest records as JSON: ${kB(newChars)} now, ${kB(oldChars)} before; a join under the old cap of ${OLD_RECENT_CHARS_MAX.toLocaleString('en')} characters held ${kept} of them (the round just played out of reach)`,
    );
    console.log(`a student's join to a class of 40 after three rounds: ${kB(joinBytes)} downloaded, ${session.records.length} records from event ${session.records[0]!.seq} after a base (target: 150 kB)`);
    student.close();
    teacher.close();

    // A phone on a slow network opens the join link, types its name and presses Join.
    const phone = await person(browser, PHONE);
    const cdp = await phone.context.newCDPSession(phone.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_NETWORK);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOW_CPU });
    const opened = performance.now();
    await phone.page.goto(`${classroom.url}/join/${code}`);
    await phone.page.getByLabel('Your name').fill('Sol');
    const pressed = performance.now();
    await phone.page.getByRole('button', { name: 'Join', exact: true }).click();
    const card = phone.page.getByRole('heading', { name: 'My node: Sol' });
    await card.waitFor({ timeout: 90_000 });
    const live = performance.now();
    console.log(
      `a phone (4x slower CPU, 400 kbit/s, 400 ms) with its node card: ${((live - opened) / 1000).toFixed(1)} s after opening the join link (${((pressed - opened) / 1000).toFixed(1)} s to the form, ${((live - pressed) / 1000).toFixed(1)} s from Join) (target: 8 s)`,
    );
    // The same phone opens its room's address again (the link in its history, or a reload).
    const reopened = performance.now();
    await phone.page.goto(`${classroom.url}/room/${code}`);
    await phone.page.getByRole('status').filter({ hasText: `Connecting to room ${code}` }).waitFor({ timeout: 90_000 });
    const connecting = performance.now();
    await card.waitFor({ timeout: 90_000 });
    const back = performance.now();
    console.log(`the same phone at its room's address: "Connecting to room ${code}…" after ${((connecting - reopened) / 1000).toFixed(1)} s, its node card after ${((back - reopened) / 1000).toFixed(1)} s`);
    await phone.context.close();
  } finally {
    await browser.close();
    await classroom.close();
  }
}

await classOf40();
if (process.argv.includes('class')) process.exit(0);

const NODES = Array.from({ length: 99 }, (_, i) => `N${i}`).join(' ');
const SCRIPT = `nodes ${NODES}\npropose N0\n${'promise N0 -> all\n'.repeat(1003)}`;

interface Heap {
  heapUsed: number;
  rss: number;
  /** Memory outside the JavaScript heap: the compressed chunks of the room's events. */
  external: number;
}

const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'tests/bench/server-process.ts', 'classroom'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const url = await new Promise<string>((resolve, reject) => {
  child.stdout!.on('data', (chunk: Buffer) => {
    const m = /PORT (\d+)/.exec(chunk.toString());
    if (m) resolve(`http://127.0.0.1:${m[1]}`);
  });
  child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
});
const heap = () =>
  new Promise<Heap>((resolve) => {
    child.once('message', (m) => resolve(m as Heap));
    child.send('heap');
  });

try {
  const before = await heap();
  const started = performance.now();
  const res = await fetch(`${url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name: 'big.paxos', text: SCRIPT } }) });
  if (res.status !== 201) throw new Error(`import refused: ${res.status} ${await res.text()}`);
  const { code } = (await res.json()) as { code: string };
  console.log(`import of a 99,397-event script: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const after = await heap();
  const held = after.heapUsed - before.heapUsed + (after.external - before.external);
  console.log(
    `server memory for the room: ${(held / 1e6).toFixed(1)} MB (heap and buffers; target: 30 MB); RSS grew ${((after.rss - before.rss) / 1e6).toFixed(1)} MB, which counts memory the import freed but the process keeps`,
  );

  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
  let bytes = 0;
  socket.io.engine.on('packet', (p: { data?: unknown }) => {
    if (typeof p.data === 'string') bytes += Buffer.byteLength(p.data);
  });
  const joinStart = performance.now();
  const ack = (await socket.emitWithAck('room:join', { v: PROTOCOL_VERSION, code, name: 'Student', role: 'student' })) as { ok: boolean; session?: { records: unknown[] } };
  const liveMs = performance.now() - joinStart;
  if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
  console.log(`a student's join: ${(bytes / 1e6).toFixed(2)} MB downloaded (${ack.session!.records.length} records; target: 2 MB), live after ${(liveMs / 1000).toFixed(2)} s (target: 1 s)`);

  // What the replay tools fetch before they open: every earlier event, without text, in pages.
  const earlier = (ack.session as unknown as { base: { seq: number } }).base.seq;
  const historyStart = performance.now();
  bytes = 0;
  let waits = 0;
  for (let from = 1; from <= earlier; ) {
    const page = (await socket.emitWithAck('room:history', { from, to: Math.min(earlier, from + HISTORY_EVENTS_MAX - 1) })) as { ok: boolean; error?: { code: string } };
    // The server paces history: wait as the web client does, and ask again.
    if (!page.ok && page.error?.code === 'rate-limited') {
      waits++;
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    if (!page.ok) throw new Error(`room:history refused: ${JSON.stringify(page)}`);
    from += HISTORY_EVENTS_MAX;
  }
  console.log(`the whole earlier log for the replay (${earlier.toLocaleString('en')} events, no text): ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - historyStart) / 1000).toFixed(2)} s, paced by the server ${waits} times`);
  socket.close();
} finally {
  child.kill('SIGINT');
}
