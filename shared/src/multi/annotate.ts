/**
 * The annotated log of a Multi-Paxos room, in the notebook's style with the slot in every
 * line (`ACCEPT  Request from A(p: 2.A, slot: 4, val: set x 3) to B(acc_p: 2.A)`), and an
 * explanation that names the rule. annotate.ts hands Multi-Paxos events here. Text depends
 * only on the states around the event, so every screen prints the same bytes.
 */
import { compareBallots, formatBallot, sameBallot, type Ballot } from '../ballot';
import { nameList } from '../message-label';
import { slotsAccepted } from './label';
import { linkUp, nameOf, roomQuorums, type AnyReply, type LostReason, type RoomEvent, type RoomState } from '../room-state';
import type { DeliveryNews, EventText } from '../protocols/types';
import { multiNoticeTargets } from './apply';
import { runKvCommand } from './kv';
import { slotTallyKey } from './programs';
import { isMultiMessage, multiNodeOf } from './state';
import { NO_OP, type LeaderState, type MultiMessage, type MultiNoticeMessage, type MultiReply, type MultiRequest, type MultiRoomEvent } from './types';

const INDENT = '    > ';

/** What annotate.ts needs to make an entry of a Multi-Paxos event. */
export type MultiBody = EventText;

/** The events of a Multi-Paxos room that this file describes: its own, a delivery of its messages, and crashes. */
export type MultiDescribed =
  | MultiRoomEvent
  | Extract<RoomEvent, { type: 'delivered' }>
  | Extract<RoomEvent, { type: 'crashed' }>
  | Extract<RoomEvent, { type: 'recovered' }>;

/** True when `describeMulti` describes `e` in the room `before` (then `e` is a `MultiDescribed`). */
export function isMultiDescribed(before: RoomState, e: RoomEvent): boolean {
  switch (e.type) {
    case 'leaderStarted':
    case 'commandSubmitted':
    case 'multiExchanged':
    case 'multiSent':
    case 'multiLost':
      return true;
    case 'crashed':
    case 'recovered':
      return before.multi !== undefined;
    case 'delivered': {
      const m = before.inFlight.find((x) => x.id === e.id);
      return m !== undefined && isMultiMessage(m);
    }
    default:
      return false;
  }
}

class Ctx {
  constructor(
    readonly before: RoomState,
    readonly after: RoomState,
  ) {}
  name = (id: string): string => nameOf(this.before, id);
  b = (ballot: Ballot | null | undefined): string => formatBallot(ballot, this.name);
  mb = (id: string) => multiNodeOf(this.before.multi, id);
  ma = (id: string) => multiNodeOf(this.after.multi, id);
}

/** Describes one Multi-Paxos event applied to `before`, giving `after`. */
export function describeMulti(before: RoomState, after: RoomState, e: MultiDescribed): MultiBody {
  const ctx = new Ctx(before, after);
  const body = describeEvent(ctx, e);
  const learned = learnLines(ctx);
  const chosen = chosenText(ctx);
  return {
    ...body,
    lines: [...body.lines, ...learned.lines],
    explanation: [body.explanation, chosen, learned.explanation].filter((x) => x.length > 0).join(' '),
    nodes: [...new Set([...body.nodes, ...learned.nodes])],
  };
}

function body(lines: string[], explanation: string, node: string | null, nodes: readonly string[], extra: Partial<MultiBody> = {}): MultiBody {
  return { lines, explanation, node, nodes, messageIds: [], tag: null, ballot: null, value: null, ...extra };
}

function describeEvent(ctx: Ctx, e: MultiDescribed): MultiBody {
  switch (e.type) {
    case 'leaderStarted': {
      const seen = ctx.mb(e.node).maxRound;
      const learnedBefore = e.slot > 2 ? `It has learned slots 1 to ${e.slot - 1}, so its` : e.slot === 2 ? 'It has learned slot 1, so its' : 'Its';
      return body(
        [`NEW Leader from ${ctx.name(e.node)}(p: ${ctx.b(e.ballot)}, from_slot: ${e.slot})`],
        `${ctx.name(e.node)} starts leading with ballot ${ctx.b(e.ballot)}: the highest ballot number it has seen is ${seen}, so it picks ${e.ballot.round}. ` +
          `${learnedBefore} phase 1 covers every slot from ${e.slot} on at once: one promise request per acceptor for all those slots, not one per slot (Paxos Made Simple, section 3). Its promisers and slots start empty.`,
        e.node,
        [e.node],
        { ballot: e.ballot },
      );
    }
    case 'commandSubmitted': {
      const leader = ctx.mb(e.node).leader;
      return body(
        [`CLIENT Request ${e.command} to ${ctx.name(e.node)}(p: ${ctx.b(leader?.ballot)}, slot: ${e.slot})`],
        `A client sends ${e.command} to the leader ${ctx.name(e.node)}, which puts it in slot ${e.slot}, the first slot after every slot it knows a command for. ` +
          `Phase 1 is done for all its slots, so one round trip of accept requests can choose it.`,
        e.node,
        [e.node],
        { value: e.command },
      );
    }
    case 'multiSent': {
      const m = e.message;
      return body(
        [requestHead(ctx, m, false), `${INDENT}[SENT] #${m.id} in flight`],
        `${valueReason(ctx, m)}${ctx.name(m.from)} sends ${requestWords(m)} in ballot ${ctx.b(m.ballot)} to ${ctx.name(m.to)}. It waits in the network as #${m.id} until it is delivered, dropped or duplicated.`,
        m.from,
        [m.from, m.to],
        { messageIds: [m.id], ballot: m.ballot, value: m.kind === 'multiAccept' ? m.value : null },
      );
    }
    case 'multiLost':
      return describeLost(ctx, e.message, e.reason);
    case 'multiExchanged': {
      const { request: m, reply } = e;
      return body(
        [requestHead(ctx, m, true), `${INDENT}${replyTag(ctx, reply)}, ${leaderSummary(ctx, reply)}`, ...tellLines(ctx, reply)],
        `${valueReason(ctx, m)}${acceptorReason(ctx, m, reply)} ${leaderReason(ctx, reply)}`,
        m.from,
        [m.from, m.to],
        { messageIds: [m.id, reply.id], ballot: m.ballot, value: m.kind === 'multiAccept' ? m.value : null, tag: reply.kind === 'multiReject' ? 'REJ' : 'ACC' },
      );
    }
    case 'delivered':
      return describeDelivery(ctx, e.id, e.reply);
    case 'crashed': {
      const n = ctx.mb(e.node);
      const forget = ctx.before.settings.rules.forgetOnCrash;
      const slots = Object.keys(n.accepted).join(', ') || 'None';
      return body(
        [`CRASH ${ctx.name(e.node)}(acc_p: ${ctx.b(n.promised)}, accepted_slots: ${slots}, applied: ${n.applied}) ${forget ? 'forgotten' : 'kept'}`],
        `${ctx.name(e.node)} crashes.${n.leader ? ` It was leading with ballot ${ctx.b(n.leader.ballot)}: that leadership is lost, and another node may take over with a higher ballot.` : ''} ` +
          (forget
            ? 'Rule-breaking mode: its acceptor kept its promise and accepted slots in memory only, so they are gone. '
            : 'Its acceptor\'s promise and accepted slots are on stable storage and survive. ') +
          'Its learned log and its key-value store survive too; what it heard of other acceptances is lost.',
        e.node,
        [e.node],
      );
    }
    case 'recovered': {
      const n = ctx.mb(e.node);
      return body(
        [`RECOVER ${ctx.name(e.node)}(acc_p: ${ctx.b(n.promised)}, applied: ${n.applied})`],
        `${ctx.name(e.node)} is back up. As an acceptor it keeps the promise ${ctx.b(n.promised)} and its accepted slots; as a learner it has run slots 1 to ${n.applied}; to lead again it must start a new ballot ("lead").`,
        e.node,
        [e.node],
      );
    }
  }
}

function requestWords(m: MultiRequest): string {
  return m.kind === 'multiPrepare' ? `a promise request for every slot from ${m.slot} on` : `an accept request for ${m.value} in slot ${m.slot}`;
}

/** `PROMISE Request from A(p: 1.A, from_slot: 1) to B(acc_p: None)` / `ACCEPT  Request from A(p: 1.A, slot: 2, val: set x 3) to B(acc_p: 1.A)`. */
function requestHead(ctx: Ctx, m: MultiRequest, withAcceptor: boolean): string {
  const to = withAcceptor ? `${ctx.name(m.to)}(acc_p: ${ctx.b(ctx.mb(m.to).promised)})` : ctx.name(m.to);
  return m.kind === 'multiPrepare'
    ? `PROMISE Request from ${ctx.name(m.from)}(p: ${ctx.b(m.ballot)}, from_slot: ${m.slot}) to ${to}`
    : `ACCEPT  Request from ${ctx.name(m.from)}(p: ${ctx.b(m.ballot)}, slot: ${m.slot}, val: ${m.value}) to ${to}`;
}

/** `[ACC] Promise(1.A, last_accepted(slot 2: 1.A, set x 3))`, `[ACC] Accept(1.A, slot: 2, set x 3)`, `[REJ] ... lost to 2.B`. */
function replyTag(ctx: Ctx, r: MultiReply): string {
  switch (r.kind) {
    case 'multiPromise':
      return `[ACC] Promise(${ctx.b(r.ballot)}, ${slotsAccepted(ctx, r.accepted)})`;
    case 'multiAccepted':
      return `[ACC] Accept(${ctx.b(r.ballot)}, slot: ${r.slot}, ${r.value})`;
    case 'multiReject':
      return r.request === 'prepare'
        ? `[REJ] Promise(${ctx.b(r.ballot)}) lost to ${ctx.b(r.promised)}`
        : `[REJ] Accept(${ctx.b(r.ballot)}, slot: ${r.slot}, ${r.value ?? 'None'}) lost to ${ctx.b(r.promised)}`;
  }
}

function reportedText(ctx: Ctx, leader: LeaderState | null): string {
  const entries = Object.entries(leader?.reported ?? {});
  return entries.length ? entries.map(([s, a]) => `slot ${s}: ${a.value}`).join('; ') : 'None';
}

/** `A(promisers: 1, quorum_size: 2, promiser_acc_max: slot 2: set x 3)` or `A(acceptors: 2, quorum_size: 2, choice: set x 3)`, for the reply's slot. */
function leaderSummary(ctx: Ctx, r: MultiReply): string {
  const n = ctx.ma(r.to);
  const leader = n.leader && sameBallot(n.leader.ballot, r.ballot) ? n.leader : null;
  const { q1, q2 } = roomQuorums(ctx.after);
  if (r.kind === 'multiPromise' || (r.kind === 'multiReject' && r.request === 'prepare')) {
    return `${ctx.name(r.to)}(promisers: ${leader?.promisers.length ?? 0}, quorum_size: ${q1}, promiser_acc_max: ${reportedText(ctx, leader)})`;
  }
  return `${ctx.name(r.to)}(acceptors: ${leader?.acceptors[r.slot]?.length ?? 0}, quorum_size: ${q2}, slot: ${r.slot}, choice: ${n.learned[r.slot] ?? 'None'})`;
}

/** Why the acceptor answered as it did: one promise covers every slot (P1a). */
function acceptorReason(ctx: Ctx, m: MultiRequest, r: MultiReply): string {
  const who = ctx.name(m.to);
  const b = ctx.b(m.ballot);
  const promised = ctx.mb(m.to).promised;
  if (r.kind === 'multiReject') {
    return `${who} had already promised ${ctx.b(r.promised)}, which is higher than ${b}, so it refuses (P1a: one promise covers every slot). ${ctx.name(m.from)} learns that it lost to ${ctx.b(r.promised)}.`;
  }
  const verb = m.kind === 'multiPrepare' ? 'promises' : 'accepts';
  const why = !promised
    ? `${who} had promised nothing yet, so it ${verb} ${b}`
    : compareBallots(m.ballot, promised) > 0
      ? `${who} had promised ${ctx.b(promised)}, and ${b} is higher, so it ${verb} ${b}`
      : `${who} had promised ${b}, and an acceptor ${m.kind === 'multiPrepare' ? 'gives the same ballot the same promise' : 'accepts a ballot at least as high as its promise'}, so it ${verb}`;
  if (r.kind === 'multiAccepted') return `${why} in slot ${r.slot}.`;
  return (
    `${why}, for every slot from ${r.slot} on. ` +
    (r.accepted.length
      ? `It has accepted ${slotValues(r.accepted)} there, and the promise carries ${r.accepted.length === 1 ? 'it' : 'each'} back with its ballot.`
      : `It has accepted nothing in those slots, so the promise carries no command.`)
  );
}

/** `set x 3 in slot 2 and get x in slot 3`. */
function slotValues(values: readonly { readonly slot: number; readonly value: string }[]): string {
  return nameList(values.map((a) => `${a.value} in slot ${a.slot}`), values.length);
}

/** Why an accept request carries its command: re-proposed (P2c per slot), a no-op in a hole, or the client's. */
function valueReason(ctx: Ctx, m: MultiRequest): string {
  if (m.kind !== 'multiAccept') return '';
  const leader = ctx.mb(m.from).leader;
  if (!leader || !sameBallot(leader.ballot, m.ballot) || leader.sent[m.slot] !== undefined) return '';
  const who = ctx.name(m.from);
  const reported = leader.reported[m.slot];
  if (reported && reported.value === m.value) {
    return `In slot ${m.slot} a promiser had accepted ${m.value} in ballot ${ctx.b(reported.ballot)}, the highest ballot reported there, so ${who} must re-propose ${m.value} in that slot, whatever its clients ask (P2c, slot by slot). `;
  }
  if (reported) {
    return `Rule-breaking mode (skip re-propose): a promiser had accepted ${reported.value} in slot ${m.slot}, in ballot ${ctx.b(reported.ballot)}, but ${who} ignores it and sends ${m.value}. `;
  }
  if (m.value === NO_OP && leader.requests[m.slot] === undefined) {
    return `Slot ${m.slot} is a hole: no promiser reported a command there and no client command is in it, but a later slot has one. ${who} fills it with no-op, so that every state machine can run the later slots in order (Paxos Made Simple, section 3). `;
  }
  return '';
}

/** What a reply did at the leader. */
function leaderReason(ctx: Ctx, r: MultiReply): string {
  const who = ctx.name(r.to);
  const lb = ctx.mb(r.to).leader;
  const la = ctx.ma(r.to).leader;
  if (!lb || !la || !sameBallot(lb.ballot, r.ballot)) {
    const now = lb ? `is leading with ballot ${ctx.b(lb.ballot)} now` : 'is not leading';
    return `${who} ${now}, so this reply to ballot ${ctx.b(r.ballot)} is stale and counts for nothing${r.kind === 'multiReject' ? `, except that its next ballot will be above ${ctx.b(r.promised)}` : ''}.`;
  }
  const { q1, q2 } = roomQuorums(ctx.after);
  switch (r.kind) {
    case 'multiReject':
      return `Ballot ${ctx.b(r.ballot)} cannot win at this acceptor; to lead on, ${who} must start a new ballot above ${ctx.b(r.promised)} ("lead").`;
    case 'multiPromise': {
      let s = lb.promisers.includes(r.from)
        ? `${who} had already counted ${ctx.name(r.from)}'s promise; promisers are a set, so it still has ${la.promisers.length}.`
        : progress(who, la.promisers.length, q1, 'promises');
      if (la.promisers.length >= q1 && lb.promisers.length < q1) {
        s += ` That is a quorum: ${who}'s phase 1 is done for every slot from ${la.slot} on, and until another leader's ballot interrupts, each client command now takes one round trip of accept requests.`;
      }
      // A promise counted before can come again carrying more (its acceptor accepted since): what it reports still counts.
      const fresh = Object.entries(la.reported)
        .filter(([slot, a]) => a !== lb.reported[Number(slot)])
        .map(([slot, a]) => ({ slot: Number(slot), value: a.value }));
      if (fresh.length) {
        s += ` Its promisers have now reported ${slotValues(fresh)}, ${fresh.length === 1 ? 'the' : 'each the'} highest-ballot command there: ${who} must re-propose ${fresh.length === 1 ? 'it in that slot' : 'each in its slot'} (P2c, slot by slot)${ctx.before.settings.rules.skipRepropose ? ', but in this rule-breaking mode it will not' : ''}.`;
      }
      return s;
    }
    case 'multiAccepted': {
      const before = lb.acceptors[r.slot] ?? [];
      const after = la.acceptors[r.slot] ?? [];
      if (before.includes(r.from)) return `${who} had already counted ${ctx.name(r.from)}'s acceptance in slot ${r.slot}; acceptors are a set, so it still has ${after.length}.`;
      let s = progress(who, after.length, q2, 'acceptances', ` in slot ${r.slot}`);
      if (after.length >= q2 && before.length < q2) s += ` A quorum accepted ballot ${ctx.b(r.ballot)} in slot ${r.slot}, so ${who} learns that ${r.value} is chosen there.`;
      return s;
    }
  }
}

/** `A now has 2 of the 3 promises it needs.`, or past the quorum, `A now has 3 promises; 2 were enough.` */
function progress(who: string, count: number, quorum: number, what: string, where = ''): string {
  return count > quorum ? `${who} now has ${count} ${what}${where}; ${quorum} were enough.` : `${who} now has ${count} of the ${quorum} ${what} it needs${where}.`;
}

/** `    > [TELL] B, C told` when an acceptance is told at once to the other learners (instant delivery, every node learns). */
function tellLines(ctx: Ctx, r: AnyReply): string[] {
  if (r.kind !== 'multiAccepted' || ctx.before.settings.learners !== 'everyone') return [];
  const targets = multiNoticeTargets(ctx.before, r);
  if (targets.length === 0) return [];
  const missed = targets.filter((id) => !ctx.before.nodes[id]!.up || !linkUp(ctx.before, r.from, id));
  const reached = targets.filter((id) => !missed.includes(id));
  const parts = [
    ...(reached.length ? [`${reached.map(ctx.name).join(', ')} told`] : []),
    ...(missed.length ? [`${missed.map((id) => `${ctx.name(id)} (${ctx.before.nodes[id]!.up ? 'cut' : 'crashed'})`).join(', ')} miss${missed.length === 1 ? 'es' : ''} it`] : []),
  ];
  return [`${INDENT}[TELL] ${parts.join('; ')}`];
}

function describeLost(ctx: Ctx, m: MultiRequest, reason: LostReason): MultiBody {
  const why =
    reason === 'crashed' ? `${ctx.name(m.to)} has crashed` : reason === 'left' ? `${ctx.name(m.to)} has left the room` : `the link between ${ctx.name(m.from)} and ${ctx.name(m.to)} is cut`;
  return body(
    [requestHead(ctx, m, false), `${INDENT}[LOST] ${why}`],
    `${valueReason(ctx, m)}The request never arrives: ${why}. ${ctx.name(m.from)} hears nothing back.`,
    m.from,
    [m.from, m.to],
    { messageIds: [m.id], ballot: m.ballot },
  );
}

function describeDelivery(ctx: Ctx, id: number, reply: AnyReply | null): MultiBody {
  const m = ctx.before.inFlight.find((x) => x.id === id) as MultiMessage;
  const extra = { messageIds: reply ? [id, reply.id] : [id], ballot: m.ballot };
  switch (m.kind) {
    case 'multiPrepare':
    case 'multiAccept': {
      const r = reply as MultiReply;
      const notices = ctx.after.inFlight.filter((x) => x.kind === 'multiNotice' && x.id > r.id && x.id >= ctx.before.nextMessageId).map((x) => x.id);
      const told = notices.length === 0 ? '' : notices.length === 1 ? ` and notice #${notices[0]}` : ` and notices #${notices[0]}-#${notices.at(-1)}`;
      return body(
        [requestHead(ctx, m, true), `${INDENT}${replyTag(ctx, r)}, reply #${r.id}${told} in flight`],
        `${acceptorReason(ctx, m, r)} The reply travels back as #${r.id}.${notices.length ? ` ${ctx.name(r.from)} also tells the other nodes, each a learner, as ${notices.length === 1 ? 'a notice' : `${notices.length} notices`} in flight.` : ''}`,
        m.to,
        [m.from, m.to],
        { ...extra, value: m.kind === 'multiAccept' ? m.value : null, tag: r.kind === 'multiReject' ? 'REJ' : 'ACC' },
      );
    }
    case 'multiNotice':
      return describeNotice(ctx, m);
    default: {
      const word = m.kind === 'multiPromise' || (m.kind === 'multiReject' && m.request === 'prepare') ? 'PROMISE' : 'ACCEPT ';
      const carries = m.kind === 'multiPromise' && m.accepted.length ? `${ctx.name(m.from)}'s promise carries ${slotValues(m.accepted)}, which it accepted. ` : '';
      return body(
        [`${word} Reply from ${ctx.name(m.from)} to ${ctx.name(m.to)}(p: ${ctx.b(ctx.mb(m.to).leader?.ballot)})`, `${INDENT}${replyTag(ctx, m)}, ${leaderSummary(ctx, m)}`],
        carries + leaderReason(ctx, m),
        m.to,
        [m.from, m.to],
        { ...extra, value: m.kind === 'multiAccepted' ? m.value : null, tag: m.kind === 'multiReject' ? 'REJ' : 'ACC' },
      );
    }
  }
}

/** `LEARN   Notice from B to C(slot: 2, choice: None)` / `    > [ACC] Accept(1.A, slot: 2, set x 3), C(heard: 2, quorum_size: 2, choice: set x 3)`. */
function describeNotice(ctx: Ctx, m: MultiNoticeMessage): MultiBody {
  const who = ctx.name(m.to);
  const q2 = roomQuorums(ctx.after).q2;
  const key = slotTallyKey(m.slot, m.ballot, m.value);
  const heard = ctx.ma(m.to).heard[key]?.length ?? 0;
  const before = ctx.mb(m.to).learned[m.slot];
  const after = ctx.ma(m.to).learned[m.slot];
  const confirms = heard >= q2 && (ctx.mb(m.to).heard[key]?.length ?? 0) < q2;
  const why =
    before === m.value
      ? confirms
        ? `${who} had already learned ${m.value} in slot ${m.slot}; now a quorum of ${q2} acceptors has told it of ballot ${ctx.b(m.ballot)} too, which confirms it.`
        : `${who} had already learned ${m.value} in slot ${m.slot}; the notice changes nothing.`
      : after === m.value
        ? `${who} now knows that ${heard} acceptors accepted it in one ballot, a quorum of ${q2}.`
        : `${who} now knows of ${heard} of the ${q2} acceptances of ballot ${ctx.b(m.ballot)} in slot ${m.slot} it needs before it may learn ${m.value}.`;
  return body(
    [`LEARN   Notice from ${ctx.name(m.from)} to ${who}(slot: ${m.slot}, choice: ${before ?? 'None'})`, `${INDENT}[ACC] Accept(${ctx.b(m.ballot)}, slot: ${m.slot}, ${m.value}), ${who}(heard: ${heard}, quorum_size: ${q2}, choice: ${after ?? 'None'})`],
    `${ctx.name(m.from)} told learner ${who} that it accepted ${m.value} in slot ${m.slot}, ballot ${ctx.b(m.ballot)}. ${why}`,
    m.to,
    [m.from, m.to],
    { messageIds: [m.id], ballot: m.ballot, value: m.value, tag: 'ACC' },
  );
}

/** A sentence per command newly chosen in a slot at this event. */
function chosenText(ctx: Ctx): string {
  const before = ctx.before.multi?.monitor.chosen ?? [];
  const fresh = (ctx.after.multi?.monitor.chosen ?? []).slice(before.length);
  const q2 = roomQuorums(ctx.after).q2;
  return fresh
    .map((c) => {
      const earlier = before.find((x) => x.slot === c.slot);
      const quorum = `A quorum of ${q2} acceptor${q2 === 1 ? '' : 's'} has now accepted ${c.value} in slot ${c.slot}, ballot ${ctx.b(c.ballot)}`;
      if (earlier?.value === c.value) return `${quorum} too. It was already chosen there in ballot ${ctx.b(earlier.ballot)}; this confirms it, as Paxos guarantees in every slot.`;
      return `${quorum}: it is chosen in slot ${c.slot}.`;
    })
    .join(' ');
}

/**
 * What learners learned and state machines ran at this event:
 * `    > [LEARN] A, B learn slot 2: set x 3` and `    > [APPLY] A, B run slot 2 (set x 3: x = 3)`.
 */
function learnLines(ctx: Ctx): { lines: string[]; explanation: string; nodes: string[] } {
  const learned = new Map<string, string[]>();
  const runs = new Map<string, string[]>();
  const waiting: string[] = [];
  for (const id of ctx.after.order) {
    const b = ctx.mb(id);
    const a = ctx.ma(id);
    for (const [slot, value] of Object.entries(a.learned)) {
      if (b.learned[Number(slot)] === undefined) {
        const key = `slot ${slot}: ${value}`;
        learned.set(key, [...(learned.get(key) ?? []), id]);
      }
    }
    if (a.applied > b.applied) {
      const kv = { ...b.kv };
      const parts: string[] = [];
      for (let slot = b.applied + 1; slot <= a.applied; slot++) {
        const command = a.learned[slot]!;
        const out = runKvCommand(kv, command);
        parts.push(`slot ${slot} (${command}${out ? `: ${out}` : ''})`);
      }
      const text = parts.join(', ');
      runs.set(text, [...(runs.get(text) ?? []), id]);
    }
    const gap = Object.keys(a.learned).some((s) => Number(s) > a.applied + 1 && b.learned[Number(s)] === undefined);
    if (gap) waiting.push(id);
  }
  const names = (ids: readonly string[]) => ids.map(ctx.name).join(', ');
  const lines = [
    ...[...learned].map(([what, ids]) => `${INDENT}[LEARN] ${names(ids)} learn${ids.length === 1 ? 's' : ''} ${what}`),
    ...[...runs].map(([what, ids]) => `${INDENT}[APPLY] ${names(ids)} run${ids.length === 1 ? 's' : ''} ${what}`),
  ];
  const explanation = [
    ...[...learned].map(([what, ids]) => {
      const [slot, value] = what.slice('slot '.length).split(/: (.*)/) as [string, string];
      return `${nameList(ids.map(ctx.name))} ${ids.length === 1 ? 'learns' : 'learn'} ${value} in slot ${slot}: a learner learns a slot's command once a quorum of acceptors has accepted it in one ballot.`;
    }),
    runs.size ? `A node's state machine runs chosen commands in slot order, never skipping a slot (Paxos Made Simple, section 3), so every node's applied sequence is a prefix of every other's.` : '',
    waiting.length ? `${names(waiting)} ${waiting.length === 1 ? 'has' : 'have'} learned a later slot but ${waiting.length === 1 ? 'waits' : 'wait'} for an earlier one before running it.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { lines, explanation, nodes: [...new Set([...learned.values(), ...runs.values()].flat())] };
}

/** What delivering `m` shows, for a deliver-all's summary: a leader's quorum or a newly reported slot, commands learned, carried back or confirmed in their slots. */
export function multiDeliveryNews(before: RoomState, after: RoomState, m: MultiMessage, reply: AnyReply | null): DeliveryNews {
  const learned: { what: string; node: string }[] = [];
  for (const id of after.order) {
    const was = multiNodeOf(before.multi, id).learned;
    for (const [slot, value] of Object.entries(multiNodeOf(after.multi, id).learned)) {
      if (was[Number(slot)] === undefined) learned.push({ what: `${value} in slot ${slot}`, node: id });
    }
  }
  // A promise carries the acceptor's accepted commands when it is made (a request delivered) and when it arrives.
  const promise = m.kind === 'multiPromise' ? m : reply?.kind === 'multiPromise' ? reply : null;
  const carried = (promise?.accepted ?? []).map((a) => ({ what: `${a.value} (slot ${a.slot})`, node: promise!.from }));
  const confirmed: { what: string; ballot: Ballot; node: string }[] = [];
  if (m.kind === 'multiNotice') {
    const q2 = roomQuorums(after).q2;
    const key = slotTallyKey(m.slot, m.ballot, m.value);
    const heard = (s: RoomState) => multiNodeOf(s.multi, m.to).heard[key]?.length ?? 0;
    const knew = multiNodeOf(before.multi, m.to).learned[m.slot] === m.value;
    if (knew && heard(before) < q2 && heard(after) >= q2) confirmed.push({ what: `${m.value} in slot ${m.slot}`, ballot: m.ballot, node: m.to });
  }
  return { turn: reachesSlotQuorum(before, after, m) || takesReportedSlot(before, after, m), learned, carried, confirmed };
}

/** Whether delivering reply `m` gives its leader the quorum it needed: promises, or acceptances in a slot. */
function reachesSlotQuorum(before: RoomState, after: RoomState, m: MultiMessage): boolean {
  if (m.kind !== 'multiPromise' && m.kind !== 'multiAccepted') return false;
  const { q1, q2 } = roomQuorums(after);
  const count = (s: RoomState) => {
    const leader = multiNodeOf(s.multi, m.to).leader;
    return (m.kind === 'multiPromise' ? leader?.promisers.length : leader?.acceptors[m.slot]?.length) ?? 0;
  };
  const q = m.kind === 'multiPromise' ? q1 : q2;
  return count(before) < q && count(after) >= q;
}

/** Whether delivering `m` changed what its leader's promisers report in some slot, which decides the command it re-proposes there. */
function takesReportedSlot(before: RoomState, after: RoomState, m: MultiMessage): boolean {
  if (m.kind !== 'multiPromise') return false;
  const was = multiNodeOf(before.multi, m.to).leader?.reported ?? {};
  const now = multiNodeOf(after.multi, m.to).leader?.reported ?? {};
  return Object.keys(now).some((slot) => now[Number(slot)] !== was[Number(slot)]);
}
