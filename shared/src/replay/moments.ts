/**
 * The moments of a room's log that teach, and where a replay may jump. A lesson's step, a
 * command or a replayed event can make many entries; these say which of them a learner must
 * not miss, each with one sentence that says why:
 * - a proposal, or a Multi-Paxos leader, starting (`proposal`), and its first quorum of
 *   promises (`promise-quorum`);
 * - a promise that reports an accepted value (`reported-value`), and the proposer carrying it
 *   instead of its own (`adopted-value`, P2c), or in Multi-Paxos a new leader re-proposing a
 *   reported command in its slot (`re-proposed`) and filling a hole with no-op (`no-op`);
 * - a rule broken in a rule-breaking mode (`rule-broken`), a refusal after which a ballot
 *   cannot win (`ballot-lost`), a value chosen (`chosen`), a value learned apart from its
 *   choice (`learned`), a safety violation (`violation`);
 * - a new round, and a question asked of the class.
 * The proposals, quorums of promises, rounds and questions are signposts (`teaches` is false):
 * "Jump to a moment" lists them with the rest, but a step's key entries (`keyEntries`) are the
 * others. Every screen takes a step's key entries from here, never from its last entry.
 */
import type { Annotation } from '../annotate';
import { compareBallots, formatBallot, sameBallot, type Ballot } from '../ballot';
import { questionNumber } from '../checkpoint-state';
import { annotationView, touchedNodes } from '../log';
import { nameList } from '../message-label';
import type { ReplyMessage, RequestMessage } from '../node';
import { ballotOutlook } from '../outlook';
import { apply, cloneRoomState, nameOf, roomQuorums, type AnyReply, type RoomEvent, type RoomState } from '../room';
import { hasSlots, multiNodeIn, slotsChosen } from '../protocols/multi';
import { NO_OP, type MultiReply, type MultiRequest } from '../multi/types';

export type MomentKind =
  | 'proposal'
  | 'promise-quorum'
  | 'reported-value'
  | 'adopted-value'
  | 're-proposed'
  | 'no-op'
  | 'rule-broken'
  | 'ballot-lost'
  | 'chosen'
  | 'learned'
  | 'violation'
  | 'round'
  | 'question';

export interface Moment {
  /** The event (and log entry) it happens at. */
  readonly seq: number;
  readonly kind: MomentKind;
  /** A few words, for a list of moments ("Jump to a moment"). */
  readonly label: string;
  /** One sentence in plain English: what happens, and why it matters, naming the rule. */
  readonly because: string;
}

/**
 * Signposts: where the story of a room turns (a proposal or a leader starts, a quorum of
 * promises, a new round, a question), worth jumping to, but no surprise that a learner could
 * read the wrong way; the entry itself says it.
 */
const SIGNPOSTS: ReadonlySet<MomentKind> = new Set<MomentKind>(['proposal', 'promise-quorum', 'round', 'question']);

/** False for a signpost, which marks a place in the log; true for a moment that a step's panel shows first. */
export function teaches(m: Moment): boolean {
  return !SIGNPOSTS.has(m.kind);
}

/** Folds `events` from `initial` once and lists their moments, in log order. */
export function keyMoments(initial: RoomState, events: readonly RoomEvent[]): Moment[] {
  return new MomentReader(initial).read(events);
}

/**
 * `keyMoments` one batch of events at a time, for a log that grows: a live replay reads only
 * the events that arrived, not the whole log again.
 */
export class MomentReader {
  readonly #state: RoomState;
  // Ballots already known to be lost, so that only the first refusal that ends one is named.
  readonly #lost = new Set<string>();
  #moments: Moment[] = [];
  #read = 0;

  constructor(initial: RoomState) {
    this.#state = cloneRoomState(initial);
  }

  /** How many events it has read. */
  get length(): number {
    return this.#read;
  }

  /** Every moment so far, in log order: a new array whenever `read` found more. */
  get moments(): readonly Moment[] {
    return this.#moments;
  }

  /** Reads `events`, which follow those read so far, and returns the moments they hold. */
  read(events: readonly RoomEvent[]): Moment[] {
    const s = this.#state;
    const found: Moment[] = [];
    for (const e of events) {
      const touched = touchedNodes(s, e);
      const before = annotationView(s, e);
      apply(s, e);
      found.push(...eventMoments(before, e, s, touched, this.#lost));
    }
    this.#read += events.length;
    if (found.length) this.#moments = [...this.#moments, ...found];
    return found;
  }
}

/** An entry of the log that teaches, with the moments that make it so. */
export interface KeyEntry {
  readonly entry: Annotation;
  readonly moments: readonly Moment[];
}

/** The entries among `entries` that `moments` name as teaching (signposts left out), oldest first, each with its moments. */
export function keyEntries(entries: readonly Annotation[], moments: readonly Moment[]): KeyEntry[] {
  const bySeq = new Map<number, Moment[]>();
  for (const m of moments) if (teaches(m)) bySeq.set(m.seq, [...(bySeq.get(m.seq) ?? []), m]);
  return entries.flatMap((entry) => {
    const named = bySeq.get(entry.seq);
    return named ? [{ entry, moments: named }] : [];
  });
}

/**
 * The states around one event, the words for them, and the moments found. Methods, not
 * closures: one is made for every event of a log of up to 100,000.
 */
class At {
  constructor(
    readonly before: RoomState,
    readonly after: RoomState,
    /** The nodes the event can change (log.ts `touchedNodes`): only they can reach a quorum or learn. */
    readonly touched: readonly string[] | 'all',
    readonly out: Moment[] = [],
  ) {}
  name(id: string): string {
    return nameOf(this.before.nodes[id] ? this.before : this.after, id);
  }
  names(ids: readonly string[]): string {
    return nameList(ids.map((id) => this.name(id)));
  }
  b(ballot: Ballot | null | undefined): string {
    return formatBallot(ballot, (id) => this.name(id));
  }
  /** "B's" or, for the proposer itself, "B's own". */
  whose(id: string, self: string): string {
    return `${this.name(id)}'s${id === self ? ' own' : ''}`;
  }
  add(kind: MomentKind, label: string, because: string): void {
    this.out.push({ seq: this.after.seq, kind, label, because });
  }
  /** The nodes to look at for a change: the touched ones, or all when the event may change any (or `all` is asked). */
  nodes(all = false): readonly string[] {
    return all || this.touched === 'all' ? this.after.order : [...new Set(this.touched)].filter((id) => this.after.nodes[id]);
  }
}

/** The moments of one event, applied to `before` to give `after`; `lost` holds the ballots already lost. */
function eventMoments(before: RoomState, e: RoomEvent, after: RoomState, touched: readonly string[] | 'all', lost: Set<string>): Moment[] {
  const at = new At(before, after, touched);
  switch (e.type) {
    case 'proposalStarted':
      at.add(
        'proposal',
        `${at.name(e.node)} proposes ${at.b(e.ballot)}${e.value ? ` (${e.value})` : ''}`,
        `${at.name(e.node)} starts ballot ${at.b(e.ballot)}, ${e.value === null ? 'with no value of its own' : `wanting ${e.value}`}: first it needs a quorum of promises.`,
      );
      break;
    case 'leaderStarted':
      at.add(
        'proposal',
        `${at.name(e.node)} leads with ${at.b(e.ballot)}`,
        `${at.name(e.node)} starts leading with ballot ${at.b(e.ballot)}: one phase 1 covers every slot from ${e.slot} on.`,
      );
      break;
    case 'roundStarted':
      at.add('round', `Round ${e.round}`, `Round ${e.round} starts: every node forgets its promises, accepted values and choice.`);
      break;
    case 'checkpointOpened':
      at.add('question', `Question ${questionNumber(after.checkpoints, e.id)}: ${e.question.prompt}`, `The class predicts: ${e.question.prompt}`);
      break;
    default:
      break;
  }
  // Many deliveries in one event are read one at a time, as the log describes them.
  if (e.type === 'deliveredAll') {
    let state = cloneRoomState(before);
    for (const d of e.deliveries) {
      const next = cloneRoomState(state);
      const one = { type: 'delivered' as const, id: d.id, reply: d.reply };
      apply(next, one);
      messageMoments(new At(state, next, 'all', at.out), one, lost);
      state = next;
    }
  } else {
    messageMoments(at, e, lost);
  }
  promiseQuorums(at);
  chosenValues(at);
  learnedValues(at);
  for (let i = before.monitor.violations.length; i < after.monitor.violations.length; i++) {
    const v = after.monitor.violations[i]!;
    at.add('violation', `Violation: ${v.rule}`, v.message);
  }
  return at.out;
}

/** What the messages of one event do: requests sent, acceptors' answers, replies that reach their proposer. */
function messageMoments(at: At, e: RoomEvent, lost: Set<string>): void {
  switch (e.type) {
    case 'exchanged':
      if (e.request.kind === 'accept') firstAccept(at, e.request);
      if (e.reply) {
        brokenPromise(at, e.request, e.reply);
        replyReached(at, e.reply, lost);
      }
      return;
    case 'sent':
    case 'lost':
      if (e.message.kind === 'accept') firstAccept(at, e.message);
      return;
    case 'answered': {
      const request = at.before.held[e.id];
      if (request) brokenPromise(at, request, e.reply);
      if (e.instant && !e.lost) replyReached(at, e.reply, lost);
      return;
    }
    case 'delivered': {
      const m = at.before.inFlight.find((x) => x.id === e.id);
      if (!m) return;
      if ((m.kind === 'prepare' || m.kind === 'accept') && e.reply) brokenPromise(at, m, e.reply as ReplyMessage);
      if (m.kind === 'promise' || m.kind === 'accepted' || m.kind === 'reject' || m.kind === 'multiPromise' || m.kind === 'multiAccepted' || m.kind === 'multiReject') replyReached(at, m, lost);
      return;
    }
    case 'multiExchanged':
      if (e.request.kind === 'multiAccept') firstSlotAccept(at, e.request);
      replyReached(at, e.reply, lost);
      return;
    case 'multiSent':
    case 'multiLost':
      if (e.message.kind === 'multiAccept') firstSlotAccept(at, e.message);
      return;
    default:
      return;
  }
}

/** "B's promise" or "promises from A and B": the promisers of `proposer` whose acceptor had accepted `value` in `ballot` (in `before`). */
function reportersOf(at: At, proposer: string, promisers: readonly string[], ballot: Ballot, value: string, accepted: (id: string) => { readonly ballot: Ballot; readonly value: string } | undefined): string {
  const ids = promisers.filter((id) => {
    const a = accepted(id);
    return a !== undefined && sameBallot(a.ballot, ballot) && a.value === value;
  });
  if (ids.length === 0) return 'a promise';
  if (ids.length === 1) return `${at.whose(ids[0]!, proposer)} promise`;
  return `promises from ${at.names(ids)}`;
}

/** The first accept request of a ballot: the value it carries, and why (P2c), or the rule it breaks. */
function firstAccept(at: At, m: Extract<RequestMessage, { kind: 'accept' }>): void {
  const p = at.before.nodes[m.from]?.proposer;
  if (!p || !sameBallot(p.ballot, m.ballot) || p.sentValue !== null) return;
  const who = at.name(m.from);
  const acc = p.promiserAccMax;
  const own = p.value;
  const reporters = acc ? reportersOf(at, m.from, p.promisers, acc.ballot, acc.value, (id) => at.before.nodes[id]?.acceptor.accepted ?? undefined) : '';
  if (acc && acc.value !== m.value) {
    at.add(
      'rule-broken',
      `Rule broken: ${who} ignores ${acc.value}`,
      `Rule-breaking mode: ${who}'s accept requests carry its own ${m.value}, though ${reporters} reported ${acc.value}, accepted in ballot ${at.b(acc.ballot)}, which may already be chosen (P2c broken).`,
    );
  } else if (acc && own !== acc.value) {
    at.add(
      'adopted-value',
      `${who} carries ${acc.value}${own === null ? '' : `, not ${own}`}`,
      `${who}'s accept requests carry ${acc.value}${own === null ? '' : `, not its own ${own}`}: ${reporters} reported ${acc.value}, accepted in ballot ${at.b(acc.ballot)}, which may already be chosen (P2c).`,
    );
  }
  const { q1 } = roomQuorums(at.before);
  if (p.promisers.length < q1) {
    at.add(
      'rule-broken',
      `Rule broken: ${who} sends without a quorum of promises`,
      `Rule-breaking mode: ${who} sends accept requests with only ${p.promisers.length} of the ${q1} promises it needs, so it cannot know which value may already be chosen.`,
    );
  }
}

/** The first accept request of a slot in a leader's ballot: a re-proposed command, a no-op in a hole, or a skipped re-proposal. */
function firstSlotAccept(at: At, m: Extract<MultiRequest, { kind: 'multiAccept' }>): void {
  const leader = multiNodeIn(at.before, m.from).leader;
  if (!leader || !sameBallot(leader.ballot, m.ballot) || leader.sent[m.slot] !== undefined) return;
  const who = at.name(m.from);
  const reported = leader.reported[m.slot];
  const reporters = reported
    ? reportersOf(at, m.from, leader.promisers, reported.ballot, reported.value, (id) => multiNodeIn(at.before, id).accepted[m.slot])
    : '';
  if (reported && reported.value === m.value) {
    at.add(
      're-proposed',
      `${who} re-proposes ${m.value} in slot ${m.slot}`,
      `${who} re-proposes ${m.value} in slot ${m.slot}, not a new command: ${reporters} reported it, accepted there in ballot ${at.b(reported.ballot)}, and it may already be chosen (P2c, slot by slot).`,
    );
  } else if (reported) {
    at.add(
      'rule-broken',
      `Rule broken: ${who} skips re-proposing slot ${m.slot}`,
      `Rule-breaking mode (skip re-propose): ${who} sends ${m.value} in slot ${m.slot}, though ${reporters} reported ${reported.value} there, accepted in ballot ${at.b(reported.ballot)}, which may already be chosen (P2c broken).`,
    );
  } else if (m.value === NO_OP && leader.requests[m.slot] === undefined) {
    at.add(
      'no-op',
      `${who} fills slot ${m.slot} with no-op`,
      `${who} fills slot ${m.slot} with no-op: no promise reported a command there and no client sent one, and no node may run slot ${m.slot + 1} before slot ${m.slot} (Paxos Made Simple, section 3).`,
    );
  }
}

/** An acceptor that says yes below its promise: the broken-promises mode (P1a). */
function brokenPromise(at: At, m: RequestMessage, reply: ReplyMessage): void {
  const promised = at.before.nodes[m.to]?.acceptor.promised;
  if (reply.kind === 'reject' || !promised || compareBallots(m.ballot, promised) >= 0) return;
  const who = at.name(m.to);
  at.add(
    'rule-broken',
    `Rule broken: ${who} breaks its promise of ${at.b(promised)}`,
    `Rule-breaking mode: ${who} had promised ${at.b(promised)}, yet it ${m.kind === 'prepare' ? 'promises' : 'accepts'} ${at.b(m.ballot)}, a lower ballot (P1a broken).`,
  );
}

/** A reply reaches its proposer (or leader): a promise that reports a value, or a refusal after which the ballot cannot win. */
function replyReached(at: At, r: AnyReply, lost: Set<string>): void {
  if (r.kind === 'multiPromise' || r.kind === 'multiReject' || r.kind === 'multiAccepted') {
    multiReplyReached(at, r, lost);
    return;
  }
  const pb = at.before.nodes[r.to]?.proposer;
  const pa = at.after.nodes[r.to]?.proposer;
  if (!pb || !pa || !sameBallot(pb.ballot, r.ballot)) return;
  const who = at.name(r.to);
  if (r.kind === 'promise' && r.lastAccepted && pa.promiserAccMax !== pb.promiserAccMax) {
    const acc = r.lastAccepted;
    const reports = `${at.whose(r.from, r.to)} promise reports ${acc.value}, accepted in ballot ${at.b(acc.ballot)}`;
    // What the proposer does with the report is the next step's to show: this one says only what it now knows.
    const because =
      pb.sentValue !== null && pb.sentValue !== acc.value
        ? `${reports}, but ${who} has already sent ${pb.sentValue} in ${at.b(pb.ballot)}, and one ballot carries one value.`
        : at.before.settings.rules.ignoreAcceptedValue && pa.value !== acc.value
          ? `${reports}: a value that may already be chosen, though this rule-breaking mode lets ${who} ignore it.`
          : `${reports}: ${who} now knows of a value that may already be chosen${pa.value !== null && pa.value !== acc.value ? `, and it had proposed ${pa.value}` : ''}.`;
    at.add('reported-value', `${at.name(r.from)}'s promise reports ${acc.value} (${at.b(acc.ballot)})`, because);
  }
  if (r.kind === 'reject') {
    const key = lostKey(at, r);
    if (lost.has(key)) return;
    const { q1, q2 } = roomQuorums(at.after);
    const o = ballotOutlook(at.after, r, pa.promisers, q1, q2);
    if (o.kind !== 'lost') return;
    lost.add(key);
    at.add(
      'ballot-lost',
      `${who}'s ballot ${at.b(r.ballot)} cannot win`,
      `${refuser(at, r)} ${at.b(r.ballot)}, having promised ${at.b(r.promised)}: ${who}'s ballot ${at.b(r.ballot)} can no longer get the ${o.needed} ${r.request === 'prepare' ? 'promises' : 'acceptances'} it needs, so ${who} must start a new proposal above ${at.b(r.promised)}.`,
    );
  }
}

/** "B refuses", or for a node's own proposal "A, as an acceptor, refuses": every node is proposer and acceptor at once. */
function refuser(at: At, r: { readonly from: string; readonly to: string }): string {
  return r.from === r.to ? `${at.name(r.from)}, as an acceptor, refuses its own` : `${at.name(r.from)} refuses`;
}

/** A proposer's ballot in a round, as a key of the ballots already lost. */
function lostKey(at: At, r: { readonly to: string; readonly ballot: Ballot }): string {
  return `${at.after.round}|${r.to}|${r.ballot.round}|${r.ballot.node ?? ''}`;
}

function multiReplyReached(at: At, r: MultiReply, lost: Set<string>): void {
  const lb = multiNodeIn(at.before, r.to).leader;
  const la = multiNodeIn(at.after, r.to).leader;
  if (!lb || !la || !sameBallot(lb.ballot, r.ballot)) return;
  const who = at.name(r.to);
  if (r.kind === 'multiPromise') {
    const fresh = Object.keys(la.reported)
      .map(Number)
      .filter((slot) => la.reported[slot] !== lb.reported[slot]);
    if (fresh.length === 0) return;
    const skip = at.before.settings.rules.skipRepropose;
    const one = fresh.length === 1 ? la.reported[fresh[0]!]! : null;
    const reports = one
      ? `${at.whose(r.from, r.to)} promise reports ${one.value} in slot ${fresh[0]}, accepted in ballot ${at.b(one.ballot)}`
      : `${at.whose(r.from, r.to)} promise reports ${fresh.map((s) => `${la.reported[s]!.value} in slot ${s}`).join(', ')}`;
    // A promise tells of one acceptor only: the leader cannot see whether a quorum accepted, so the command may be chosen.
    at.add(
      'reported-value',
      `${at.name(r.from)}'s promise reports ${fresh.map((s) => `slot ${s}: ${la.reported[s]!.value} (${at.b(la.reported[s]!.ballot)})`).join('; ')}`,
      `${reports}: ${who} cannot tell whether other acceptors accepted ${one ? 'it' : 'them'} too, so ${one ? 'it' : 'each'} may already be chosen${skip ? ', though this rule-breaking mode lets it skip re-proposing' : ''}.`,
    );
    return;
  }
  if (r.kind !== 'multiReject') return;
  // A refusal closes one acceptor; the ballot is lost once too few acceptors are left open to it.
  const { q1, q2 } = roomQuorums(at.after);
  const prepare = r.request === 'prepare';
  const have = prepare ? la.promisers : (la.acceptors[r.slot] ?? []);
  const needed = prepare ? q1 : q2;
  if (have.length >= needed) return;
  const open = at.after.members.filter((id) => at.after.nodes[id] && compareBallots(multiNodeIn(at.after, id).promised, r.ballot) <= 0 && !have.includes(id));
  const key = lostKey(at, r);
  if (have.length + open.length >= needed || lost.has(key)) return;
  lost.add(key);
  at.add(
    'ballot-lost',
    `${who}'s ballot ${at.b(r.ballot)} cannot win`,
    `${refuser(at, r)} ${at.b(r.ballot)}, having promised ${at.b(r.promised)}: ${who}'s ballot ${at.b(r.ballot)} can no longer get the ${needed} ${prepare ? 'promises' : 'acceptances'} it needs, so to lead on ${who} must lead again above ${at.b(r.promised)}.`,
  );
}

/** "2 of the 2 promises it needs for 1.A", or past the quorum (many promises delivered at once), "3 promises for 1.A (2 were enough)". */
function promises(count: number, quorum: number, ballot: string): string {
  return count > quorum ? `${count} promises for ${ballot} (${quorum} were enough)` : `${count} of the ${quorum} promises it needs for ${ballot}`;
}

/** Proposers and leaders that reach a quorum of promises at this event. */
function promiseQuorums(at: At): void {
  const q1Before = roomQuorums(at.before).q1;
  const q1 = roomQuorums(at.after).q1;
  // A smaller quorum can make any proposer's promises a quorum.
  for (const id of at.nodes(q1 !== q1Before)) {
    const pa = at.after.nodes[id]!.proposer;
    const pb = at.before.nodes[id]?.proposer;
    if (pa.ballot && pa.promisers.length >= q1 && !(pb && sameBallot(pb.ballot, pa.ballot) && pb.promisers.length >= q1Before)) {
      const who = at.name(id);
      const acc = pa.promiserAccMax;
      const value = pa.sentValue ?? (acc && !at.after.settings.rules.ignoreAcceptedValue ? acc.value : pa.value);
      const carrying =
        value === null
          ? 'once it has a value'
          : acc && acc.value !== value
            ? `carrying its own ${value}: this rule-breaking mode ignores the ${acc.value} its promisers reported`
            : `carrying ${value}${acc && pa.value !== null && pa.value !== value ? `, not its own ${pa.value} (P2c)` : ''}`;
      at.add(
        'promise-quorum',
        `${who} has a quorum of promises for ${at.b(pa.ballot)}`,
        `${who} has ${promises(pa.promisers.length, q1, at.b(pa.ballot))}, a quorum: its accept requests may go out now, ${carrying}.`,
      );
    }
    const la = multiNodeIn(at.after, id).leader;
    const lb = multiNodeIn(at.before, id).leader;
    if (la && la.promisers.length >= q1 && !(lb && sameBallot(lb.ballot, la.ballot) && lb.promisers.length >= q1Before)) {
      const who = at.name(id);
      const skip = at.after.settings.rules.skipRepropose;
      const slots = Object.keys(la.reported)
        .map(Number)
        .filter((s) => la.sent[s] === undefined);
      const then =
        slots.length && !skip
          ? `, and ${who} must first re-propose ${slots.map((s) => `${la.reported[s]!.value} in slot ${s}`).join(', ')} (P2c, slot by slot)`
          : ', and each client command now takes one round trip of accept requests';
      at.add(
        'promise-quorum',
        `${who} has a quorum of promises for ${at.b(la.ballot)}`,
        `${who} has ${promises(la.promisers.length, q1, at.b(la.ballot))}: phase 1 is done for every slot from ${la.slot} on${then}.`,
      );
    }
  }
}

/** Values chosen at this event: in the room, or in a Multi-Paxos slot. */
function chosenValues(at: At): void {
  const { before, after } = at;
  // Most events choose nothing: say so before any copy is made.
  if (after.monitor.chosen.length === before.monitor.chosen.length && slotsChosen(after).length === slotsChosen(before).length) return;
  const q2 = roomQuorums(after).q2;
  const acceptors = `A quorum of ${q2} acceptor${q2 === 1 ? '' : 's'}`;
  for (const c of after.monitor.chosen.slice(before.monitor.chosen.length)) {
    const b = at.b(c.ballot);
    if (before.monitor.chosen.some((x) => x.value === c.value)) {
      at.add(
        'chosen',
        `${c.value} is chosen in ballot ${b} too: the same value`,
        `A quorum accepted ${c.value} in the later ballot ${b} too: the same value, not a second one, so agreement holds; a later ballot that wins carries the value already chosen (P2c).`,
      );
      continue;
    }
    const other = before.monitor.chosen.find((x) => x.value !== c.value);
    const learners = after.order.filter((id) => after.nodes[id]!.choice === c.value && before.nodes[id]?.choice !== c.value);
    const known = learners.length ? `; ${at.names(learners)} learn${learners.length === 1 ? 's' : ''} it` : after.order.some((id) => after.nodes[id]!.choice === c.value) ? '' : '; no node knows it yet';
    at.add(
      'chosen',
      `${c.value} is chosen (ballot ${b})`,
      other
        ? `${acceptors} accepted ${c.value} in ballot ${b}: ${c.value} is chosen too, though ${other.value} was chosen in ballot ${at.b(other.ballot)}${known}.`
        : `${acceptors} accepted ${c.value} in ballot ${b}: ${c.value} is chosen, for good${known}.`,
    );
  }
  const mb = slotsChosen(before);
  for (const c of slotsChosen(after).slice(mb.length)) {
    const b = at.b(c.ballot);
    const earlier = mb.find((x) => x.slot === c.slot);
    if (earlier?.value === c.value) {
      at.add(
        'chosen',
        `Slot ${c.slot}: ${c.value} is chosen in ballot ${b} too: the same command`,
        `A quorum accepted ${c.value} in slot ${c.slot} in the later ballot ${b} too: the same command, not a second one, so the slot still holds one; a later ballot that wins carries the command already chosen there (P2c, slot by slot).`,
      );
      continue;
    }
    const learners = slotLearners(at, c.slot, c.value);
    const known = learners.length ? `; ${at.names(learners)} learn${learners.length === 1 ? 's' : ''} it` : '; no node knows it yet';
    at.add(
      'chosen',
      `Slot ${c.slot}: ${c.value} is chosen (ballot ${b})`,
      earlier
        ? `${acceptors} accepted ${c.value} in slot ${c.slot}, ballot ${b}: it is chosen there too, though ${earlier.value} was chosen there in ballot ${at.b(earlier.ballot)}${known}.`
        : `${acceptors} accepted ${c.value} in slot ${c.slot}, ballot ${b}: it is chosen there, for good${known}.`,
    );
  }
}

/** The nodes that learn `value` in `slot` at this event. */
function slotLearners(at: At, slot: number, value: string): string[] {
  return at.after.order.filter((id) => multiNodeIn(at.after, id).learned[slot] === value && multiNodeIn(at.before, id).learned[slot] !== value);
}

/**
 * The first nodes to learn a value, at an event that did not choose it (where the choice's
 * moment names them): chosen and learned are two moments (Paxos Made Simple, section 2.3).
 */
function learnedValues(at: At): void {
  const { before, after } = at;
  if (!hasSlots(after)) {
    const fresh = new Map<string, string[]>();
    for (const id of at.nodes()) {
      const v = after.nodes[id]!.choice;
      if (v !== null && before.nodes[id]?.choice !== v) fresh.set(v, [...(fresh.get(v) ?? []), id]);
    }
    for (const [value, ids] of fresh) {
      const chosenNow = after.monitor.chosen.slice(before.monitor.chosen.length).some((c) => c.value === value);
      const knownBefore = before.order.some((id) => before.nodes[id]!.choice === value);
      if (chosenNow || knownBefore) continue;
      const chosen = after.monitor.chosen.find((c) => c.value === value);
      const names = at.names(ids);
      const one = ids.length === 1;
      at.add(
        'learned',
        `${names} learn${one ? 's' : ''} ${value}`,
        `${names} learn${one ? 's' : ''} ${value}${chosen ? `, chosen at event ${chosen.seq}` : ''}: ${one ? 'it now knows' : 'they now know'} that a quorum of acceptors accepted it in one ballot.`,
      );
    }
    return;
  }
  const chosenNow = slotsChosen(after).slice(slotsChosen(before).length);
  const fresh = new Map<string, { slot: number; value: string; ids: string[] }>();
  for (const id of after.order) {
    const la: Readonly<Record<number, string>> = multiNodeIn(after, id).learned;
    const lb: Readonly<Record<number, string>> = multiNodeIn(before, id).learned;
    for (const [s, value] of Object.entries(la)) {
      const slot = Number(s);
      if (lb[slot] === value) continue;
      const key = `${slot}|${value}`;
      fresh.set(key, { slot, value, ids: [...(fresh.get(key)?.ids ?? []), id] });
    }
  }
  for (const { slot, value, ids } of fresh.values()) {
    if (chosenNow.some((c) => c.slot === slot && c.value === value)) continue;
    if (before.order.some((id) => multiNodeIn(before, id).learned[slot] === value)) continue;
    const chosen = slotsChosen(after).find((c) => c.slot === slot && c.value === value);
    const names = at.names(ids);
    const one = ids.length === 1;
    at.add(
      'learned',
      `${names} learn${one ? 's' : ''} slot ${slot}: ${value}`,
      `${names} learn${one ? 's' : ''} ${value} in slot ${slot}${chosen ? `, chosen at event ${chosen.seq}` : ''}: ${one ? 'it now knows' : 'they now know'} that a quorum of acceptors accepted it there in one ballot.`,
    );
  }
}
