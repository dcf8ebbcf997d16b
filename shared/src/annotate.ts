/**
 * The annotated log. Every event becomes an entry with
 * (a) the notebook's classic lines (SEED.md), typo fixed (`last_accepted`),
 * (b) a plain-English explanation that names the rule that decided, and
 * (c) structured data for the user interface.
 * Text depends only on the state before the event and the event, so every screen,
 * replay and test prints the same bytes.
 */
import { compareBallots, formatBallot, type AcceptedValue, type Ballot } from './ballot';
import { assertNever } from './invariant';
import { acceptorVerdict, tallyKey, type AcceptedMessage, type Message, type AcceptorState, type NodeState, type NoticeMessage, type ReplyMessage, type RequestMessage } from './node';
import { type ChosenValue, type Violation } from './monitor';
import { ballotOutlook } from './outlook';
import { apply, cloneRoomState, linkUp, nameOf, noticeTargets, roomQuorums, type RoomEvent, type RoomState } from './room';
import { formatQuorum, quorumSizes, RULE_MODE_NAMES } from './settings';
import { countKinds, messageLabel, nameList, scopeLabel } from './message-label';
import { checkpointResult, questionNumber } from './checkpoint-state';
import { messageOwner, PROTOCOLS, protocolNamed, protocolOf } from './protocols/registry';
import type { DeliveryNews } from './protocols/types';
import { isProtocolEvent } from './protocols/kinds';
import { isSingleMessage, singleDecree } from './protocols/single';

/** Verdict tags as the notebook prints them; carried by text, not colour. */
export type Tag = 'ACC' | 'REJ';

export interface EntryData {
  readonly type: RoomEvent['type'] | 'refused';
  /** The node that acted or was acted on: the sender of a message sent, the recipient of one delivered. */
  readonly node: string | null;
  /** Every node the entry concerns, for "mine" filters. */
  readonly nodes: readonly string[];
  readonly messageIds: readonly number[];
  readonly tag: Tag | null;
  readonly ballot: Ballot | null;
  readonly value: string | null;
}

/** One entry of the annotated log. `String(entry)` gives the classic lines. */
export interface Annotation {
  readonly seq: number;
  /** The notebook's lines. */
  readonly lines: readonly string[];
  /** The notebook's lines joined with newlines. */
  readonly text: string;
  readonly explanation: string;
  /** Values that became chosen (a quorum accepted them) at this event. */
  readonly chosen: readonly ChosenValue[];
  /** Safety violations the monitor found at this event; shown apart from the explanation, loudly. */
  readonly violations: readonly Violation[];
  readonly data: EntryData;
}

const INDENT = '    > ';

/** Annotates `event`, applied to `before`; `after` may be passed when the caller has it already. */
export function annotate(before: RoomState, event: RoomEvent, after?: RoomState): Annotation {
  let next = after;
  if (!next) {
    next = cloneRoomState(before);
    apply(next, event);
  }
  const ctx = new Ctx(before, next);
  const body = describe(ctx, event);
  const chosen = next.monitor.chosen.slice(before.monitor.chosen.length);
  const violations = next.monitor.violations.slice(before.monitor.violations.length);
  const extra: string[] = [];
  for (const c of chosen) {
    const q2 = roomQuorums(next).q2;
    const quorum = `A quorum of ${q2} acceptor${q2 === 1 ? '' : 's'} has now accepted ${c.value} in ballot ${ctx.b(c.ballot)}`;
    const earlier = before.monitor.chosen.find((x) => x.value === c.value);
    extra.push(
      earlier
        ? `${quorum} too. ${c.value} was already chosen in ballot ${ctx.b(earlier.ballot)}; this confirms it, as Paxos guarantees: every later ballot that gets a quorum carries the chosen value.`
        : `${quorum}: ${c.value} is chosen.${
            next.order.some((id) => next.nodes[id]!.choice === c.value)
              ? ''
              : ` No node knows it yet: a node learns it only when ${next.settings.learners === 'everyone' ? 'a quorum of acceptors has told it' : 'it is the proposer and a quorum of acceptances has reached it'}.`
          }`,
    );
  }
  const explanation = [body.explanation, ...extra].filter((x) => x.length > 0).join(' ');
  return {
    seq: next.seq,
    lines: body.lines,
    text: body.lines.join('\n'),
    explanation,
    chosen,
    violations,
    data: body.data,
  };
}

interface Body {
  lines: string[];
  explanation: string;
  data: EntryData;
}

/** Formatting helpers bound to the states around one event. */
class Ctx {
  constructor(
    readonly before: RoomState,
    readonly after: RoomState,
  ) {}
  name = (id: string): string => nameOf(this.before, id) ?? id;
  b = (ballot: Ballot | null | undefined): string => formatBallot(ballot, this.name);
  nodeBefore(id: string): NodeState | undefined {
    return this.before.nodes[id];
  }
  nodeAfter(id: string): NodeState | undefined {
    return this.after.nodes[id];
  }
}

function data(
  type: RoomEvent['type'],
  node: string | null,
  nodes: readonly string[],
  extra: Partial<Omit<EntryData, 'type' | 'node' | 'nodes'>> = {},
): EntryData {
  return {
    type,
    node,
    nodes: [...new Set(nodes)],
    messageIds: extra.messageIds ?? [],
    tag: extra.tag ?? null,
    ballot: extra.ballot ?? null,
    value: extra.value ?? null,
  };
}

function lastAccepted(a: AcceptedValue | null, ctx: Ctx): string {
  return a ? `last_accepted(${ctx.b(a.ballot)}, ${a.value})` : 'last_accepted()';
}

function none(v: string | null | undefined): string {
  return v ?? 'None';
}

function accP(acceptor: AcceptorState | undefined, ctx: Ctx): string {
  return `acc_p: ${ctx.b(acceptor?.promised)}`;
}

/** `PROMISE Request from A(p: 1) to B` / `ACCEPT  Request from A(p: 1, val: Apple, promiser_acc_max: Mango) to B`. */
function requestHead(ctx: Ctx, m: RequestMessage, withAcceptor: boolean, fromQueue: boolean): string {
  const to = withAcceptor ? `${ctx.name(m.to)}(${accP(ctx.nodeBefore(m.to)?.acceptor, ctx)})` : ctx.name(m.to);
  if (m.kind === 'prepare') return `PROMISE Request from ${ctx.name(m.from)}(p: ${ctx.b(m.ballot)}) to ${to}`;
  const p = ctx.nodeBefore(m.from)?.proposer;
  // Straight from the proposer, the notebook shows its state; from the network, the message's own content.
  const from =
    !fromQueue && p
      ? `${ctx.name(m.from)}(p: ${ctx.b(m.ballot)}, val: ${none(p.value)}, promiser_acc_max: ${none(p.promiserAccMax?.value)})`
      : `${ctx.name(m.from)}(p: ${ctx.b(m.ballot)}, val: ${m.value})`;
  return `ACCEPT  Request from ${from} to ${to}`;
}

/** `[ACC] Promise(1, last_accepted())`, `[REJ] Accept(2, Mango) lost to 3`. */
function replyTag(ctx: Ctx, r: ReplyMessage): string {
  switch (r.kind) {
    case 'promise':
      return `[ACC] Promise(${ctx.b(r.ballot)}, ${lastAccepted(r.lastAccepted, ctx)})`;
    case 'accepted':
      return `[ACC] Accept(${ctx.b(r.ballot)}, ${r.value})`;
    case 'reject':
      return r.request === 'prepare'
        ? `[REJ] Promise(${ctx.b(r.ballot)}) lost to ${ctx.b(r.promised)}`
        : `[REJ] Accept(${ctx.b(r.ballot)}, ${r.value ?? 'None'}) lost to ${ctx.b(r.promised)}`;
  }
}

/** `A(promisers: 1, quorum_size: 3, promiser_acc_max: None)` or `A(acceptors: 3, quorum_size: 3, choice: Mango)`. */
function proposerSummary(ctx: Ctx, id: string, phase: 'prepare' | 'accept'): string {
  const n = ctx.nodeAfter(id);
  const p = n?.proposer;
  if (phase === 'prepare') {
    return `${ctx.name(id)}(promisers: ${p?.promisers.length ?? 0}, quorum_size: ${roomQuorums(ctx.after).q1}, promiser_acc_max: ${none(p?.promiserAccMax?.value)})`;
  }
  return `${ctx.name(id)}(acceptors: ${p?.acceptors.length ?? 0}, quorum_size: ${roomQuorums(ctx.after).q2}, choice: ${none(n?.choice)})`;
}

function replyPhase(r: ReplyMessage): 'prepare' | 'accept' {
  return r.kind === 'promise' || (r.kind === 'reject' && r.request === 'prepare') ? 'prepare' : 'accept';
}

function describe(ctx: Ctx, e: RoomEvent): Body {
  // A protocol module describes its own events, and its messages' deliveries, itself.
  for (const p of PROTOCOLS) {
    const m = p.describe(ctx.before, ctx.after, e);
    if (m) return { lines: m.lines, explanation: m.explanation, data: data(e.type, m.node, m.nodes, m) };
  }
  switch (e.type) {
    case 'nodeAdded':
      return {
        lines: [`JOIN ${e.name}${e.bot ? ' (bot)' : ''}${e.carried ? ' (from another timeline)' : ''}${e.nextRound ? ` (acceptor from round ${ctx.before.round + 1})` : ''}`],
        explanation: (e.carried
          ? `${e.name} is a student who joined the class on another timeline, so this one had no node for them. The instructor switched the class to this timeline, and ${e.name}'s node joins it now, under the same id, as a new node. `
          : '') + (e.nextRound
          ? `${e.name} joins during round ${ctx.before.round}, after its first proposal. Paxos decides among a fixed set of acceptors, and this round's quorums are counted without ${e.name}: ` +
            `a quorum that included it might share no acceptor with another quorum of this round, and two values could be chosen. So ${e.name} watches this round: it learns the round's outcome like any node (a learner changes no quorum), ` +
            (e.carried
              ? `and it may propose at once, so that the student has a part to play here (a new proposer is safe in Paxos: only the acceptors must stay fixed); it becomes an acceptor when round ${ctx.before.round + 1} starts.`
              : `and it proposes and accepts from round ${ctx.before.round + 1}, when the instructor starts it.`)
          : `${e.name} joins as a node: proposer, acceptor and learner${e.bot ? ', played by the core' : ''}. It has promised and accepted nothing.` +
            (ctx.before.fixed
              ? ` Rule-breaking mode (reconfigure mid-round): it is an acceptor at once, in the middle of round ${ctx.before.round}'s decision, and a majority now counts ${ctx.after.members.length} acceptors.`
              : '')),
        data: data(e.type, e.node, [e.node]),
      };
    case 'nodeRemoved':
      return {
        lines: [`LEAVE ${ctx.name(e.node)}`],
        explanation: e.nextRound
          ? `${ctx.name(e.node)} leaves the room during round ${ctx.before.round}. Until the next round it still counts as one of this round's acceptors, one that never answers, so the quorums do not shrink under a decision in progress.`
          : `${ctx.name(e.node)} leaves the room. Messages to it can no longer be delivered.`,
        data: data(e.type, e.node, [e.node]),
      };
    case 'nodeRenamed':
      return {
        lines: [`RENAME ${ctx.name(e.node)} -> ${e.name}`],
        explanation: `${ctx.name(e.node)} is now called ${e.name}.`,
        data: data(e.type, e.node, [e.node]),
      };
    case 'settingsChanged':
      return describeSettings(ctx, e.settings, e.nextRound);
    case 'roundStarted':
      return describeRound(ctx, e.round);
    case 'proposalStarted':
      return describeProposal(ctx, e.node, e.ballot, e.value);
    case 'exchanged':
      return describeExchange(ctx, e.request, e.reply);
    case 'sent': {
      const m = e.message;
      return {
        lines: [requestHead(ctx, m, false, false), `${INDENT}[SENT] #${m.id} in flight`],
        explanation: `${ctx.name(m.from)} sends ${m.kind === 'prepare' ? 'a promise request' : `an accept request for ${m.value}`} in ballot ${ctx.b(m.ballot)} to ${ctx.name(m.to)}. It waits in the network as #${m.id} until it is delivered, dropped or duplicated.`,
        data: data(e.type, m.from, [m.from, m.to], { messageIds: [m.id], ballot: m.ballot, value: m.kind === 'accept' ? m.value : null }),
      };
    }
    case 'delivered':
      return describeDelivery(ctx, e.id, e.reply as ReplyMessage | null); // a Multi-Paxos message's delivery is described above
    case 'lost': {
      const m = e.message;
      const why =
        e.reason === 'crashed'
          ? `${ctx.name(m.to)} has crashed`
          : e.reason === 'left'
            ? `${ctx.name(m.to)} has left the room`
            : `the link between ${ctx.name(m.from)} and ${ctx.name(m.to)} is cut`;
      return {
        lines: [requestHead(ctx, m, false, false), `${INDENT}[LOST] ${why}`],
        explanation: `The request never arrives: ${why}. ${ctx.name(m.from)} hears nothing back, as in a real network where silence is all a proposer ever learns of a failure.`,
        data: data(e.type, m.from, [m.from, m.to], { messageIds: [m.id], ballot: m.ballot }),
      };
    }
    case 'dropped': {
      const m = ctx.before.inFlight.find((x) => x.id === e.id);
      const what = m ? messageLabel(ctx, m) : `#${e.id}`;
      return {
        lines: [`NETWORK drop #${e.id}: ${what}`],
        explanation: `The network loses #${e.id}. Paxos stays safe when messages are lost; it may only need another try to make progress.`,
        data: data(e.type, m?.from ?? null, m ? [m.from, m.to] : [], { messageIds: [e.id] }),
      };
    }
    case 'duplicated': {
      const m = ctx.before.inFlight.find((x) => x.id === e.id);
      const what = m ? messageLabel(ctx, m) : `#${e.id}`;
      return {
        lines: [`NETWORK duplicate #${e.id} as #${e.copyId}: ${what}`],
        explanation: `The network copies #${e.id}: a copy #${e.copyId} is now in flight too, so the message may arrive twice. Promisers and acceptors are sets, so a duplicate never counts twice.`,
        data: data(e.type, m?.from ?? null, m ? [m.from, m.to] : [], { messageIds: [e.id, e.copyId] }),
      };
    }
    case 'answered':
      return describeAnswer(ctx, e.id, e.reply, e.instant, e.lost);
    case 'crashed': {
      const n = ctx.nodeBefore(e.node);
      const forget = ctx.before.settings.rules.forgetOnCrash;
      const acc = n ? `${accP(n.acceptor, ctx)}, ${lastAccepted(n.acceptor.accepted, ctx)}` : '';
      return {
        lines: [`CRASH ${ctx.name(e.node)}(${acc}) ${forget ? 'forgotten' : 'kept'}`],
        explanation: forget
          ? `${ctx.name(e.node)} crashes. Rule-breaking mode: its acceptor kept its promise and accepted value in memory only, so they are gone. Its proposal in progress is lost too.`
          : `${ctx.name(e.node)} crashes. Its acceptor's promise and accepted value are on stable storage and survive; its proposal in progress is lost, but not its ballot counter. ${
              ctx.before.settings.delivery === 'queued' ? 'Messages to it wait until it recovers.' : 'Requests sent to it are lost until it recovers.'
            }`,
        data: data(e.type, e.node, [e.node]),
      };
    }
    case 'recovered': {
      const acc = ctx.nodeBefore(e.node)?.acceptor;
      const kept = acc?.promised
        ? `as an acceptor it answers with the promise ${ctx.b(acc.promised)}${acc.accepted ? ` and the value ${acc.accepted.value} accepted in ballot ${ctx.b(acc.accepted.ballot)}` : ''} it kept on stable storage`
        : ctx.before.settings.rules.forgetOnCrash
          ? 'as an acceptor it starts from nothing: in this rule-breaking mode its promises and accepted value lived in memory and were lost in the crash, so it may now answer ballots it had refused'
          : 'as an acceptor it has still promised and accepted nothing';
      return {
        lines: [`RECOVER ${ctx.name(e.node)}(${accP(acc, ctx)})`],
        explanation: `${ctx.name(e.node)} is back up. As a proposer it must start a new proposal; ${kept}.`,
        data: data(e.type, e.node, [e.node]),
      };
    }
    case 'ownProgramSet': {
      const name = ctx.name(e.node);
      const before = ctx.nodeBefore(e.node)?.ownProgram;
      const [line, explanation] =
        e.status === 'running'
          ? [`PROGRAM ${name} on`, `${name}'s student attached a program of their own: from now on it answers the requests in ${name}'s inbox from their page, each answer checked by the room like a tap. The server never runs it.`]
          : e.status === 'failed'
            ? [`PROGRAM ${name} failed`, `${name}'s own program stopped: it threw, took too long, or gave an answer the room refused. ${name}'s student answers by hand again; the rest of the room goes on.`]
            : [`PROGRAM ${name} off`, before === 'failed' ? `${name}'s student cleared the failed program: ${name} is answered by hand.` : `${name}'s student stopped their own program: ${name} is answered by hand again.`];
      return { lines: [line], explanation, data: data(e.type, e.node, [e.node]) };
    }
    case 'linkCut':
      return {
        lines: [`NETWORK cut ${ctx.name(e.a)} <-> ${ctx.name(e.b)}`],
        explanation: `Messages between ${ctx.name(e.a)} and ${ctx.name(e.b)} can no longer get through, in either direction. A quorum on one side of a partition can still decide; a minority cannot.`,
        data: data(e.type, null, [e.a, e.b]),
      };
    case 'deliveredAll':
      return describeDeliverAll(ctx, e);
    case 'droppedAll': {
      const where = scopeText(ctx, e.from, e.to);
      const kinds = countKinds(ctx.before.inFlight.filter((m) => e.ids.includes(m.id)));
      return {
        lines: [`NETWORK drop all${where}: ${e.ids.length} message${e.ids.length === 1 ? '' : 's'}`],
        explanation: `The network loses ${e.ids.length} message${e.ids.length === 1 ? '' : 's'}${where}: ${kinds}. Paxos stays safe when messages are lost; it may only need another try to make progress.`,
        data: data(e.type, e.from ?? null, [e.from, e.to].filter((x): x is string => x !== undefined), { messageIds: e.ids }),
      };
    }
    case 'partitioned': {
      const sides = e.groups.map((g) => g.map(ctx.name).join(' '));
      const { q1, q2 } = roomQuorums(ctx.after);
      const quorum = Math.max(q1, q2);
      const able = e.groups.filter((g) => g.filter((id) => ctx.after.members.includes(id)).length >= quorum).map((g) => g.map(ctx.name).join(', '));
      return {
        lines: [`NETWORK partition ${sides.join(' | ')}: ${e.links.length} link${e.links.length === 1 ? '' : 's'} cut`],
        explanation:
          `The network splits into ${e.groups.length} groups: messages between them can no longer get through, in either direction. ` +
          (able.length
            ? `Only a group with a quorum of this round's acceptors can still choose a value: ${able.join('; ')}.`
            : `No group holds a quorum of this round's acceptors (${quorum}), so nothing can be chosen until the partition heals.`),
        data: data(e.type, null, e.groups.flat()),
      };
    }
    case 'healedAll':
      return {
        lines: [`NETWORK heal all: ${e.links.length} link${e.links.length === 1 ? '' : 's'}`],
        explanation: `Every cut link works again; messages waiting on them can be delivered.`,
        data: data(e.type, null, [...new Set(e.links.flat())]),
      };
    case 'linkHealed':
      return {
        lines: [`NETWORK heal ${ctx.name(e.a)} <-> ${ctx.name(e.b)}`],
        explanation: `The link between ${ctx.name(e.a)} and ${ctx.name(e.b)} works again; messages waiting on it can be delivered.`,
        data: data(e.type, null, [e.a, e.b]),
      };
    case 'checkpointOpened': {
      const q = e.question;
      return {
        lines: [`ASK ${questionNumber(ctx.after.checkpoints, e.id)}: ${q.prompt}`, ...q.options.map((o, i) => `${INDENT}${i + 1}) ${o}`)],
        explanation:
          `The class predicts before the protocol shows it: each student picks one answer, locked in, within ${e.seconds} seconds. ` +
          (q.answer === null
            ? 'The instructor wrote this question and marks its answer at the reveal.'
            : `The core has worked out the right answer from the room as it ${e.at === undefined ? 'is now' : `was at event ${e.at}, the moment being replayed`}; it is shown at the reveal.`),
        data: data(e.type, null, []),
      };
    }
    case 'checkpointClosed': {
      const n = Object.keys(e.answers).length;
      return {
        lines: [`CLOSE ${questionNumber(ctx.after.checkpoints, e.id)}: ${n} answer${n === 1 ? '' : 's'}`],
        explanation: `Question ${questionNumber(ctx.after.checkpoints, e.id)} closes: ${n === 0 ? 'nobody answered' : `${n} ${n === 1 ? 'student' : 'students'} answered`}. The answers are locked until the reveal.`,
        data: data(e.type, null, Object.keys(e.answers)),
      };
    }
    case 'checkpointRevealed': {
      const c = ctx.after.checkpoints.find((x) => x.id === e.id);
      if (!c) return { lines: [`REVEAL ${e.id}`], explanation: '', data: data(e.type, null, []) };
      const r = checkpointResult(c);
      const right = c.question.options[e.answer]!;
      const score = r.answered ? ` (${r.counts[e.answer]} of ${r.answered} right)` : '';
      const wrong = r.commonWrong !== null ? ` The most common wrong answer was "${c.question.options[r.commonWrong]}" (${r.counts[r.commonWrong]}).` : '';
      return {
        lines: [`REVEAL ${questionNumber(ctx.after.checkpoints, e.id)}: ${right}${score}`],
        // With no answer (a script, a lesson played alone) the CLOSE entry said so already.
        explanation: `${c.question.explanation ? `${c.question.explanation} ` : ''}${r.answered ? `${Math.round((r.share ?? 0) * 100)}% of the answers were right.${wrong}` : ''}`.trim(),
        data: data(e.type, null, []),
      };
    }
    default:
      // A protocol's own events are described by their module, above.
      if (isProtocolEvent(e)) return { lines: [], explanation: '', data: data(e.type, null, []) };
      return assertNever(e, 'event');
  }
}


function describeSettings(ctx: Ctx, s: RoomState['settings'], next: RoomState['settings'] | undefined): Body {
  const nodeCount = ctx.before.members.length;
  const rules = RULE_MODE_NAMES.filter((r) => s.rules[r]);
  const waiting = next ? `, from round ${ctx.before.round + 1}: q1: ${next.q1}, q2: ${next.q2}` : '';
  const protocol = s.protocol === singleDecree.id ? '' : `, protocol: ${s.protocol}`;
  const line = `SETTINGS q1: ${s.q1}, q2: ${s.q2}, ballots: ${s.ballots}, delivery: ${s.delivery}, acceptors: ${s.acceptorMode}, learners: ${s.learners}${protocol}, rule_breaking: ${rules.length ? rules.join(' ') : 'None'}${waiting}`;
  const parts = [
    `Promise quorum Q1 = ${formatQuorum(s.q1, nodeCount)}, accept quorum Q2 = ${formatQuorum(s.q2, nodeCount)}.`,
    s.ballots === 'unique' ? 'Ballots are unique (number.node).' : 'Ballots are plain integers, which two proposers can share.',
    s.delivery === 'instant'
      ? 'A request and its reply happen in one step.'
      : 'Messages wait in flight until they are delivered, dropped or duplicated.',
    s.acceptorMode === 'rules' ? 'The core answers for acceptors.' : 'Students answer the requests in their inbox.',
    s.learners === 'everyone'
      ? 'An acceptor that accepts tells every node, and a node learns a value once a quorum of acceptors has told it of one ballot.'
      : 'Only a proposer learns, from the acceptances of its own proposal.',
  ];
  const playing = protocolNamed(s.protocol);
  const left = protocolNamed(ctx.before.settings.protocol);
  if (playing.settingsSentence) parts.push(playing.settingsSentence);
  else if (left !== playing && left.leftSentence) parts.push(left.leftSentence);
  if (rules.length) parts.push(`Rule-breaking modes on: ${rules.join(', ')}.`);
  const before = ctx.before.settings;
  if (!next && ctx.before.fixed && (before.q1 !== s.q1 || before.q2 !== s.q2)) {
    parts.push(`Rule-breaking mode (reconfigure mid-round): the quorums change in the middle of round ${ctx.before.round}'s decision, so a new quorum need not share an acceptor with one that already chose.`);
  }
  parts.push(intersectionWarning(s, nodeCount, ''));
  if (ctx.after.reconfigured && !s.rules.reconfigureMidRound) {
    parts.push('This round is still unsafe: its acceptors or quorums changed during its decision, and that stays true until a new round starts.');
  }
  if (next) {
    const n = ctx.before.order.length;
    parts.push(
      `The new quorums, Q1 = ${formatQuorum(next.q1, n)} and Q2 = ${formatQuorum(next.q2, n)}, take effect when round ${ctx.before.round + 1} starts: ` +
        `this round's proposers already counted promises and acceptances with the old ones, and two quorums of different rules need not share an acceptor, so a change now could let a second value be chosen.`,
    );
    parts.push(intersectionWarning(next, n, ` for round ${ctx.before.round + 1}`));
  }
  return { lines: [line], explanation: parts.filter(Boolean).join(' '), data: data('settingsChanged', null, []) };
}

/** A warning when quorums of these sizes need not intersect among `n` acceptors, or ''. */
function intersectionWarning(settings: RoomState['settings'], n: number, when: string): string {
  const { q1, q2 } = quorumSizes(settings, n);
  return n > 0 && q1 + q2 <= n
    ? `Warning${when}: Q1 + Q2 = ${q1} + ${q2} = ${q1 + q2} <= N = ${n}, so a promise quorum and an accept quorum may share no acceptor, and two values can be chosen.`
    : '';
}

function describeRound(ctx: Ctx, round: number): Body {
  const restarted = ctx.before.order.filter((id) => !ctx.before.nodes[id]!.up).map(ctx.name);
  const joined = ctx.before.order.filter((id) => !ctx.before.members.includes(id)).map(ctx.name);
  const parts = [
    `A fresh round starts: every node forgets its promises, accepted values and choice, the network is emptied and every cut link is healed. The earlier rounds stay in the log.`,
  ];
  if (restarted.length) parts.push(`${restarted.join(', ')} ${restarted.length === 1 ? 'was' : 'were'} down and ${restarted.length === 1 ? 'restarts' : 'restart'} with the round.`);
  if (joined.length) parts.push(`${joined.join(', ')}, who joined during the last round, ${joined.length === 1 ? 'is an acceptor' : 'are acceptors'} now.`);
  const next = ctx.before.nextSettings;
  if (next && (next.q1 !== ctx.before.settings.q1 || next.q2 !== ctx.before.settings.q2)) {
    parts.push(`The quorums set during the last round take effect: Q1 = ${formatQuorum(next.q1, ctx.after.members.length)}, Q2 = ${formatQuorum(next.q2, ctx.after.members.length)}.`);
  }
  // Fixed quorums that were safe for fewer acceptors may not be for this round's.
  const warning = intersectionWarning(ctx.after.settings, ctx.after.members.length, '');
  if (warning) parts.push(warning);
  return { lines: [`ROUND ${round}`], explanation: parts.join(' '), data: data('roundStarted', null, []) };
}

function describeProposal(ctx: Ctx, id: string, ballot: Ballot, value: string | null): Body {
  const n = ctx.nodeBefore(id);
  const seen = n?.proposer.maxRound ?? 0;
  const scheme = ballot.node === undefined ? `${ballot.round}` : `${ballot.round}.${ctx.name(id)} (number ${ballot.round}, made unique by the node's name)`;
  const kept = value !== null && n?.proposer.ballot && n.proposer.value === value ? `, the value it already wanted` : '';
  return {
    lines: [`NEW Proposal from ${ctx.name(id)}(p: ${ctx.b(ballot)}, val: ${none(value)})`],
    explanation:
      `${ctx.name(id)} starts a new proposal with ballot ${scheme}${value !== null ? ` and value ${value}${kept}` : ' and no value of its own'}. ` +
      `The highest ballot number it has seen is ${seen}, so it picks ${ballot.round}. Its promisers and acceptors start empty.`,
    data: data('proposalStarted', id, [id], { ballot, value }),
  };
}

/** Why the acceptor answered as it did, naming the rule. */
function acceptorReason(ctx: Ctx, request: RequestMessage, reply: ReplyMessage, student: boolean): string {
  const acc = ctx.nodeBefore(request.to)?.acceptor ?? { promised: null, accepted: null };
  const who = ctx.name(request.to);
  const b = ctx.b(request.ballot);
  const promised = ctx.b(acc.promised);
  const verb = request.kind === 'prepare' ? 'promises' : 'accepts';
  const verdict = acceptorVerdict(acc, request.ballot);
  const yes = reply.kind !== 'reject';
  // A learner's program answers from its student's page as the student would: the log names which.
  const by = student ? `${who} (answered by ${ctx.nodeBefore(request.to)?.ownProgram === 'running' ? "its student's own code" : 'its student'})` : who;
  if (yes && !verdict.ok) {
    return `${by} had promised ${promised}, which is higher than ${b}, yet it ${verb} ${b}. Rule-breaking mode: it breaks its promise (P1a).${request.kind === 'prepare' ? carried(ctx, acc.accepted) : ''}`;
  }
  if (!yes) {
    return `${by} had already promised ${promised}, which is higher than ${b}, so it refuses. ${ctx.name(request.from)} learns that it lost to ${promised}.`;
  }
  let why: string;
  switch (verdict.rule) {
    case 'first-promise':
      why = `${by} had promised nothing yet, so it ${verb} ${b}.`;
      break;
    case 'higher-ballot':
      why = `${by} had promised ${promised}, and ${b} is higher, so it ${verb} ${b}.`;
      break;
    default:
      why =
        request.kind === 'prepare'
          ? `${by} had already promised ${b}; the same ballot again gets the same promise.` +
            (request.ballot.node === undefined
              ? ` With plain ballots it cannot tell whether this ${b} comes from the proposer it promised or from another one.`
              : '')
          : `${by} had promised ${b}, and an acceptor accepts a ballot at least as high as its promise, so it accepts.`;
  }
  if (request.kind === 'prepare') why += carried(ctx, acc.accepted);
  return why;
}

/** What a promise carries back: the acceptor's last accepted value, or nothing. */
function carried(ctx: Ctx, accepted: AcceptedValue | null): string {
  return accepted
    ? ` It last accepted ${accepted.value} in ballot ${ctx.b(accepted.ballot)}, and the promise carries that back.`
    : ' It has accepted nothing, so the promise carries no value.';
}

/** What the reply did at the proposer. */
function proposerReason(ctx: Ctx, reply: ReplyMessage): string {
  const id = reply.to;
  const before = ctx.nodeBefore(id);
  const after = ctx.nodeAfter(id);
  const who = ctx.name(id);
  if (!before || !after) return `${who} has left the room; the reply goes nowhere.`;
  const pb = before.proposer;
  const pa = after.proposer;
  if (!pb.ballot || compareBallots(pb.ballot, reply.ballot) !== 0) {
    const now = pb.ballot ? `is on ballot ${ctx.b(pb.ballot)} now` : 'has no proposal in progress';
    if (reply.kind === 'reject') {
      return `${who} ${now}, so this refusal of ballot ${ctx.b(reply.ballot)} is stale: it counts for nothing, except that ${who}'s next proposal will pick a ballot above ${ctx.b(reply.promised)}.`;
    }
    const news = reply.kind === 'accepted' ? learnerNews(ctx, reply, false) : '';
    return `${who} ${now}, so this reply to ballot ${ctx.b(reply.ballot)} is stale ${news ? 'for its proposal' : 'and ignored'}.${news}`;
  }
  const { q1, q2 } = roomQuorums(ctx.after);
  switch (reply.kind) {
    case 'reject':
      return ballotChances(ctx, reply, pa.promisers, q1, q2);
    case 'promise': {
      let s = pb.promisers.includes(reply.from)
        ? `${who} had already counted ${ctx.name(reply.from)}'s promise; promisers are a set, so it still has ${pa.promisers.length}.`
        : progress(who, pa.promisers.length, q1, 'promises');
      if (pa.promisers.length >= q1 && pb.promisers.length < q1) s += ` That is a quorum: ${who} may send accept requests.`;
      // A promise counted before can come again carrying more (its acceptor accepted since): the value it reports still counts.
      if (pa.promiserAccMax && pa.promiserAccMax !== pb.promiserAccMax) {
        const reported = pa.promiserAccMax.value;
        if (pb.sentValue !== null && pb.sentValue !== reported) {
          s +=
            ` The highest-ballot value its promisers accepted is now ${reported}, but ${who} has already sent accept requests for ${pb.sentValue} in ${ctx.b(pb.ballot)}, and one ballot carries one value, so it keeps sending ${pb.sentValue}.` +
            ` That is safe: ${pb.sentValue} was picked from a quorum of promises, which already reported every value that might have been chosen.`;
        } else {
          s += ` The highest-ballot value its promisers accepted is now ${reported}, so ${who} must propose ${reported}${pa.value !== null && pa.value !== reported ? `, not its own ${pa.value}` : ''} (P2c).`;
        }
      }
      return s;
    }
    case 'accepted': {
      if (pb.acceptors.includes(reply.from)) {
        return `${who} had already counted ${ctx.name(reply.from)}'s acceptance; acceptors are a set, so it still has ${pa.acceptors.length}.${learnerNews(ctx, reply, false)}`;
      }
      let s = progress(who, pa.acceptors.length, q2, 'acceptances');
      const quorum = pa.acceptors.length >= q2 && pb.acceptors.length < q2;
      if (quorum) s += ` A quorum accepted ballot ${ctx.b(reply.ballot)}, so ${who} learns the choice: ${reply.value}.`;
      return s + learnerNews(ctx, reply, quorum);
    }
  }
}

/**
 * What an acceptance did to its proposer as a learner, past what its count of acceptors says:
 * when every node learns, a proposer counts every acceptance it hears of (its own acceptor's
 * among them), so it may learn with fewer acceptors of its ballot than a quorum, or from a
 * reply its proposal no longer counts; and a count of acceptors that was already a
 * quorum (the quorum shrank) makes it learn at the next one. '' when the choice did not change
 * or the count already said so (`said`).
 */
function learnerNews(ctx: Ctx, reply: AcceptedMessage, said: boolean): string {
  const id = reply.to;
  const who = ctx.name(id);
  const before = ctx.nodeBefore(id)?.choice ?? null;
  const after = ctx.nodeAfter(id)?.choice ?? null;
  if (said || after === null || after === before) return '';
  const q2 = roomQuorums(ctx.after).q2;
  const heard = heardCount(ctx.after, id, reply);
  const learns = `${before === null ? '' : `Its choice was ${before}; now `}${who} learns ${after}.`;
  if (ctx.after.settings.learners === 'everyone' && heard >= q2) {
    return ` As a learner, ${who} counts every acceptance it hears of, not only those its proposal counts: it now knows that ${heard} acceptors accepted ${reply.value} in ballot ${ctx.b(reply.ballot)}, a quorum of ${q2}. ${learns}`;
  }
  return ` Its ${ctx.nodeAfter(id)?.proposer.acceptors.length ?? 0} acceptors make a quorum of ${q2} now. ${learns}`;
}

/** What one refusal means for a ballot (see `ballotOutlook`), in words. */
function ballotChances(ctx: Ctx, reply: Extract<ReplyMessage, { kind: 'reject' }>, promisers: readonly string[], q1: number, q2: number): string {
  const who = ctx.name(reply.to);
  const b = ctx.b(reply.ballot);
  const next = `its next proposal will pick a ballot above ${ctx.b(reply.promised)}`;
  const o = ballotOutlook(ctx.after, reply, promisers, q1, q2);
  switch (o.kind) {
    case 'won':
      return `${b} has won already: a quorum of ${o.accepted} acceptors accepted ${o.value} in it before this refusal, and a refusal cannot undo that.`;
    case 'promised':
      return `${who} already has the ${q1} promises it needs for ${b}, so this refusal does not stop it: what counts now is whether ${q2} acceptors accept.`;
    case 'open':
    case 'lost': {
      const why =
        `${o.higher} of this round's ${o.members} acceptors ${o.higher === 1 ? 'has' : 'have'} promised a higher ballot` +
        (o.gone ? ` and ${o.gone} ${o.gone === 1 ? 'has' : 'have'} left the room` : '');
      const what = reply.request === 'prepare' ? 'promises' : 'acceptances';
      return o.kind === 'open'
        ? `${who} can still win with ${b}: ${why}, and the others could still give it the ${o.needed} ${what} it needs. If they refuse too, ${next}.`
        : `${who} cannot win with ${b} any more: ${why}, so at most ${o.could} ${what} can come, and it needs ${o.needed}. So ${next}.`;
    }
  }
}

/** `A now has 2 of the 3 promises it needs.`, or past the quorum, `A now has 3 promises; 2 were enough.` */
function progress(who: string, count: number, quorum: number, what: string): string {
  return count > quorum
    ? `${who} now has ${count} ${what}; ${quorum} were enough.`
    : `${who} now has ${count} of the ${quorum} ${what} it needs.`;
}

/** Why the accept request carries the value it does. */
function valueReason(ctx: Ctx, request: RequestMessage): string {
  if (request.kind !== 'accept') return '';
  const p = ctx.nodeBefore(request.from)?.proposer;
  if (!p || p.sentValue !== null) return '';
  const who = ctx.name(request.from);
  const acc = p.promiserAccMax;
  if (acc && acc.value !== request.value) {
    return `Rule-breaking mode: ${who} ignores ${acc.value}, the value its promisers accepted, and sends its own ${request.value}. `;
  }
  if (acc && p.value !== null && p.value !== acc.value) {
    return `${who} wanted ${p.value}, but a promiser had accepted ${acc.value} in ballot ${ctx.b(acc.ballot)}, so Paxos makes it propose ${acc.value} (P2c). `;
  }
  const { q1 } = roomQuorums(ctx.before);
  if (p.promisers.length < q1) {
    return `Rule-breaking mode: ${who} sends an accept request with only ${p.promisers.length} of ${q1} promises. `;
  }
  return '';
}

function describeExchange(ctx: Ctx, request: RequestMessage, reply: ReplyMessage | null): Body {
  const head = requestHead(ctx, request, true, false);
  const base = data('exchanged', request.from, [request.from, request.to], {
    messageIds: reply ? [request.id, reply.id] : [request.id],
    ballot: request.ballot,
    value: request.kind === 'accept' ? request.value : null,
    tag: reply ? (reply.kind === 'reject' ? 'REJ' : 'ACC') : null,
  });
  if (!reply) {
    return {
      lines: [head, `${INDENT}[WAIT] #${request.id} in ${ctx.name(request.to)}'s inbox`],
      explanation: `${valueReason(ctx, request)}The request waits in ${ctx.name(request.to)}'s inbox until its student answers.`,
      data: base,
    };
  }
  const told = tellInstant(ctx, reply);
  return {
    lines: [head, `${INDENT}${replyTag(ctx, reply)}, ${proposerSummary(ctx, request.from, replyPhase(reply))}`, ...told.lines],
    explanation: `${valueReason(ctx, request)}${acceptorReason(ctx, request, reply, false)} ${proposerReason(ctx, reply)}${told.explanation}`,
    data: told.lines.length ? { ...base, nodes: [...new Set([...base.nodes, ...noticeTargets(ctx.before, reply as AcceptedMessage)])] } : base,
  };
}

function describeDelivery(ctx: Ctx, id: number, reply: ReplyMessage | null): Body {
  const m = ctx.before.inFlight.find((x) => x.id === id);
  // Another protocol's message is described by its module (see `describe`).
  if (!m || !isSingleMessage(m)) return { lines: [`DELIVER #${id}`], explanation: '', data: data('delivered', null, [], { messageIds: [id] }) };
  if (m.kind === 'prepare' || m.kind === 'accept') {
    const head = requestHead(ctx, m, true, true);
    const base = data('delivered', m.to, [m.from, m.to], {
      messageIds: reply ? [id, reply.id] : [id],
      ballot: m.ballot,
      value: m.kind === 'accept' ? m.value : null,
      tag: reply ? (reply.kind === 'reject' ? 'REJ' : 'ACC') : null,
    });
    if (!reply) {
      return {
        lines: [head, `${INDENT}[WAIT] #${id} in ${ctx.name(m.to)}'s inbox`],
        explanation: `#${id} arrives and waits in ${ctx.name(m.to)}'s inbox until its student answers.`,
        data: base,
      };
    }
    const told = tellQueued(ctx, reply);
    return {
      lines: [head, `${INDENT}${replyTag(ctx, reply)}, reply #${reply.id}${told.ids} in flight`],
      explanation: `${acceptorReason(ctx, m, reply, false)} The reply travels back as #${reply.id}.${told.explanation}`,
      data: base,
    };
  }
  if (m.kind === 'notice') return describeNotice(ctx, m);
  const phase = replyPhase(m);
  const word = phase === 'prepare' ? 'PROMISE' : 'ACCEPT ';
  return {
    lines: [
      `${word} Reply from ${ctx.name(m.from)} to ${ctx.name(m.to)}(p: ${ctx.b(ctx.nodeBefore(m.to)?.proposer.ballot)})`,
      `${INDENT}${replyTag(ctx, m)}, ${proposerSummary(ctx, m.to, phase)}`,
    ],
    explanation: `${m.kind === 'promise' && m.lastAccepted ? `${ctx.name(m.from)}'s promise carries ${m.lastAccepted.value}, which it accepted in ballot ${ctx.b(m.lastAccepted.ballot)}. ` : ''}${proposerReason(ctx, m)}`,
    data: data('delivered', m.to, [m.from, m.to], {
      messageIds: [id],
      ballot: m.ballot,
      value: m.kind === 'accepted' ? m.value : null,
      tag: m.kind === 'reject' ? 'REJ' : 'ACC',
    }),
  };
}

/** " from A to B", " to B", or "" for the whole network. */
function scopeText(ctx: Ctx, from: string | undefined, to: string | undefined): string {
  const words = scopeLabel(ctx.name, from, to);
  return words ? ` ${words}` : '';
}

/**
 * One entry for many deliveries: a header, then each delivery's own lines, as `deliver` would
 * print it (the notebook's lines, one or two a message). The explanation does not repeat a
 * sentence per message, which made a deliver-all to a class of 40 (1,561 messages) 260 kB of
 * prose that no one reads: it counts the deliveries by kind and outcome, explains the first of
 * each group, and adds the moments that teach (a proposer reaching its quorum or taking a value
 * its promisers report, a value chosen). What the other deliveries show is said once per value:
 * who learns it, whose promises carry it, who hears of a quorum of it again. Its length grows
 * with the kinds of thing that happened, not with the messages.
 */
function describeDeliverAll(ctx: Ctx, e: Extract<RoomEvent, { type: 'deliveredAll' }>): Body {
  const lines = [
    `NETWORK deliver all${scopeText(ctx, e.from, e.to)}${e.seed !== undefined ? ` in random order (seed ${e.seed})` : ''}: ${e.deliveries.length} message${e.deliveries.length === 1 ? '' : 's'}`,
  ];
  const groups = new Map<string, { readonly tag: Tag | null; readonly why: string; readonly messages: Message[] }>();
  const moments: string[] = [];
  const news = new BulkNews();
  const nodes = new Set<string>();
  let state = ctx.before;
  for (const d of e.deliveries) {
    const next = cloneRoomState(state);
    const event = { type: 'delivered' as const, id: d.id, reply: d.reply };
    apply(next, event);
    const one = new Ctx(state, next);
    const body = describe(one, event);
    lines.push(...body.lines);
    for (const n of body.data.nodes) nodes.add(n);
    const m = state.inFlight.find((x) => x.id === d.id);
    const key = `${m?.kind ?? '?'} ${body.data.tag ?? ''}`;
    const group = groups.get(key);
    if (group && m) group.messages.push(m);
    else if (!group) groups.set(key, { tag: body.data.tag, why: `#${d.id}: ${body.explanation}`, messages: m ? [m] : [] });
    // The first of its group is explained in full.
    if (m && group) {
      const told = messageOwner(m).deliveryNews(state, next, m, d.reply);
      if (told.turn || chosenCount(next) > chosenCount(state)) moments.push(`#${d.id}: ${body.explanation}`);
      else news.add(one, told);
    }
    state = next;
  }
  const delivered = ctx.before.inFlight.filter((m) => e.deliveries.some((d) => d.id === m.id));
  const left = ctx.after.inFlight.length;
  // "40 promise requests [ACC], the first #1: ...": the outcome of each group, and why, told once.
  const byKind = [...groups.values()].map((g) => (g.messages.length <= 1 ? g.why : `${countKinds(g.messages)}${g.tag ? ` [${g.tag}]` : ''}, the first ${g.why}`));
  return {
    lines,
    explanation:
      `The network delivers ${countKinds(delivered)}${e.seed !== undefined ? ', in an order drawn at random' : ', oldest first'}. ` +
      `${left ? `${left} ${left === 1 ? 'message stays' : 'messages stay'} in flight, the replies made on the way among them.` : 'Nothing is left in flight.'} ` +
      [...byKind, ...moments, ...news.sentences()].join(' '),
    data: data('deliveredAll', null, [...nodes], { messageIds: e.deliveries.map((d) => d.id) }),
  };
}

/**
 * What the deliveries of a deliver-all that are not explained one by one show, said once per
 * value: "From these deliveries C and D learn Apple, ...", "The promises of C and D carry
 * Apple back ...", "C and D, which had learned Apple, now know of a quorum of ballot 2.B too".
 */
class BulkNews {
  readonly #learned = new Map<string, string[]>();
  readonly #carried = new Map<string, string[]>();
  readonly #confirmed = new Map<string, string[]>();

  add(ctx: Ctx, news: DeliveryNews): void {
    for (const l of news.learned) push(this.#learned, l.what, ctx.name(l.node));
    for (const c of news.carried) push(this.#carried, c.what, ctx.name(c.node));
    for (const c of news.confirmed) push(this.#confirmed, `${c.what}|${ctx.b(c.ballot)}`, ctx.name(c.node));
  }

  /** Every name is listed: a list cut short would leave out a change the lines show. */
  sentences(): string[] {
    const s = (names: readonly string[], one: string, many: string) => (names.length === 1 ? one : many);
    return [
      ...[...this.#learned].map(([what, names]) => `From these deliveries ${allNames(names)} ${s(names, 'learns', 'learn')} ${what}: a quorum of acceptors has now accepted it in one ballot, as far as ${s(names, 'it knows', 'each knows')}.`),
      ...[...this.#carried].map(([what, names]) => `The promises of ${allNames(names)} carry ${what} back, the value ${s(names, 'it', 'each')} had accepted.`),
      ...[...this.#confirmed].map(([key, names]) => {
        const [what, ballot] = key.split('|') as [string, string];
        return `${allNames(names)}, which had learned ${what}, now ${s(names, 'knows', 'know')} that a quorum accepted it in ballot ${ballot} too, which confirms it.`;
      }),
    ];
  }
}

function allNames(names: readonly string[]): string {
  return nameList(names, names.length);
}

function push(map: Map<string, string[]>, key: string, name: string): void {
  const names = map.get(key) ?? [];
  if (!names.includes(name)) names.push(name);
  map.set(key, names);
}

/** Values chosen so far, single-decree and slot by slot: a delivery that raises it chose one, which an explanation must say. */
function chosenCount(s: RoomState): number {
  return protocolOf(s).chosenCount(s);
}

function describeAnswer(ctx: Ctx, id: number, reply: ReplyMessage, instant: boolean, lost: string | undefined): Body {
  const request = ctx.before.held[id];
  if (!request) return { lines: [`ANSWER #${id}`], explanation: '', data: data('answered', reply.from, [reply.from]) };
  const head = requestHead(ctx, request, true, true);
  const tag = replyTag(ctx, reply);
  const queued = instant ? null : tellQueued(ctx, reply);
  const told = instant ? tellInstant(ctx, reply) : { lines: [], explanation: queued!.explanation };
  const tail = lost
    ? `${tag}, reply lost: ${lost === 'crashed' ? `${ctx.name(reply.to)} has crashed` : lost === 'left' ? `${ctx.name(reply.to)} has left the room` : 'the link is cut'}`
    : instant
      ? `${tag}, ${proposerSummary(ctx, reply.to, replyPhase(reply))}`
      : `${tag}, reply #${reply.id}${queued!.ids} in flight`;
  const then = lost ? ' The reply is lost on the way.' : instant ? ` ${proposerReason(ctx, reply)}` : ` The reply travels back as #${reply.id}.`;
  return {
    lines: [head, `${INDENT}${tail}`, ...told.lines],
    explanation: `${acceptorReason(ctx, request, reply, true)}${then}${told.explanation}`,
    data: data('answered', reply.from, [reply.from, reply.to], {
      messageIds: [id, reply.id],
      ballot: reply.ballot,
      tag: reply.kind === 'reject' ? 'REJ' : 'ACC',
    }),
  };
}

// ---------------------------------------------------------------------------
// Learners

/** How many acceptances of (ballot, value) learner `id` knows of in `state`. */
function heardCount(state: RoomState, id: string, m: { readonly ballot: Ballot; readonly value: string }): number {
  return state.nodes[id]?.heard[tallyKey(m.ballot, m.value)]?.length ?? 0;
}

/** The nodes that learn `value` at this event (their choice becomes it). */
function learnersOf(ctx: Ctx, ids: readonly string[], value: string): string[] {
  return ids.filter((id) => ctx.nodeBefore(id)?.choice !== value && ctx.nodeAfter(id)?.choice === value);
}

/** The acceptor's own count, when every node learns: "B itself learns Apple." or nothing. */
function acceptorLearns(ctx: Ctx, reply: AcceptedMessage): string {
  const who = ctx.name(reply.from);
  return learnersOf(ctx, [reply.from], reply.value).length
    ? ` ${who} itself now knows that ${heardCount(ctx.after, reply.from, reply)} acceptors accepted ballot ${ctx.b(reply.ballot)}, a quorum: it learns ${reply.value}.`
    : '';
}

/**
 * An acceptance told at once to every other node (instant delivery, every node learns):
 * `    > [TELL] C, D learn Apple; E has 1 of 2; F misses it (crashed)`, and a sentence.
 */
function tellInstant(ctx: Ctx, reply: ReplyMessage): { lines: string[]; explanation: string } {
  if (reply.kind !== 'accepted' || ctx.before.settings.learners !== 'everyone' || !ctx.nodeBefore(reply.from)) return { lines: [], explanation: '' };
  const q2 = roomQuorums(ctx.after).q2;
  const targets = noticeTargets(ctx.before, reply);
  const missed = targets.filter((id) => !ctx.before.nodes[id]!.up || !linkUp(ctx.before, reply.from, id));
  const reached = targets.filter((id) => !missed.includes(id));
  const learned = learnersOf(ctx, reached, reply.value);
  const knew = reached.filter((id) => ctx.nodeBefore(id)?.choice === reply.value);
  const counting = reached.filter((id) => !learned.includes(id) && !knew.includes(id));
  const byCount = new Map<number, string[]>();
  for (const id of counting) {
    const k = heardCount(ctx.after, id, reply);
    byCount.set(k, [...(byCount.get(k) ?? []), ctx.name(id)]);
  }
  const why = (id: string) => (ctx.before.nodes[id]!.up ? 'cut' : 'crashed');
  const parts = [
    ...(learned.length ? [`${nameList(learned.map(ctx.name))} learn${learned.length === 1 ? 's' : ''} ${reply.value}`] : []),
    ...[...byCount].map(([k, names]) => `${nameList(names)} ${names.length === 1 ? 'has' : 'have'} ${k} of ${q2}`),
    ...(knew.length ? [`${nameList(knew.map(ctx.name))} knew it`] : []),
    ...(missed.length ? [`${nameList(missed.map((id) => `${ctx.name(id)} (${why(id)})`))} miss${missed.length === 1 ? 'es' : ''} it`] : []),
  ];
  if (targets.length === 0) return { lines: [], explanation: acceptorLearns(ctx, reply) };
  const list = (ids: readonly string[]) => nameList(ids.map(ctx.name));
  const one = (ids: readonly string[], singular: string, plural: string) => (ids.length === 1 ? singular : plural);
  // Learners that knew it already need no sentence: the [TELL] line says so.
  const news = learned.length + counting.length + missed.length > 0;
  const sentences = news
    ? [
        ` ${ctx.name(reply.from)} also tells the other nodes, each a learner (Paxos Made Simple, section 2.3).`,
        learned.length ? ` ${list(learned)} now ${one(learned, 'knows', 'know')} of ${q2} acceptances of ballot ${ctx.b(reply.ballot)}, a quorum, and ${one(learned, 'learns', 'learn')} ${reply.value}.` : '',
        counting.length ? ` ${list(counting)} ${one(counting, 'knows', 'know')} of fewer than ${q2}, so ${one(counting, 'it cannot', 'they cannot')} tell yet whether ${reply.value} is chosen.` : '',
        missed.length ? ` ${list(missed)} ${one(missed, 'misses', 'miss')} the notice and will learn only from a later ballot's acceptances.` : '',
      ]
    : [];
  return { lines: [`${INDENT}[TELL] ${parts.join('; ')}`], explanation: sentences.join('') + acceptorLearns(ctx, reply) };
}

/** An acceptance told as notices that enter the network (queued delivery, every node learns): " and notices #13-#15", and a sentence. */
function tellQueued(ctx: Ctx, reply: ReplyMessage): { ids: string; explanation: string } {
  if (reply.kind !== 'accepted' || ctx.before.settings.learners !== 'everyone' || !ctx.nodeBefore(reply.from)) return { ids: '', explanation: '' };
  const notices = ctx.after.inFlight.filter((m) => m.kind === 'notice' && m.id > reply.id && m.id >= ctx.before.nextMessageId);
  const own = acceptorLearns(ctx, reply);
  if (notices.length === 0) return { ids: '', explanation: own };
  const first = notices[0]!.id;
  const last = notices.at(-1)!.id;
  const ids = notices.length === 1 ? ` and notice #${first}` : ` and notices #${first}-#${last}`;
  return {
    ids,
    explanation:
      ` ${ctx.name(reply.from)} also tells the other nodes, each a learner (Paxos Made Simple, section 2.3): ` +
      `${notices.length === 1 ? `its notice travels as #${first}` : `${notices.length} notices travel as #${first} to #${last}`}.${own}`,
  };
}

/**
 * A notice reaches its learner:
 * `LEARN   Notice from B to C(choice: None)` / `    > [ACC] Accept(1.A, Apple), C(heard: 2, quorum_size: 2, choice: Apple)`.
 */
function describeNotice(ctx: Ctx, m: NoticeMessage): Body {
  const who = ctx.name(m.to);
  const q2 = roomQuorums(ctx.after).q2;
  const heard = heardCount(ctx.after, m.to, m);
  const before = ctx.nodeBefore(m.to);
  const after = ctx.nodeAfter(m.to);
  const b = ctx.b(m.ballot);
  let why: string;
  if (!before || !after) why = `${who} has left the room; the notice goes nowhere.`;
  else if (before.choice === m.value) {
    why =
      heard >= q2 && heardCount(ctx.before, m.to, m) < q2
        ? `${who} had already learned ${m.value}; now a quorum of ${q2} acceptors has told it of ballot ${b} too, which confirms it.`
        : `${who} had already learned ${m.value}; the notice changes nothing.`;
  }
  else if (after.choice === m.value) why = `${who} now knows that ${heard} acceptors accepted ${m.value} in ballot ${b}, a quorum of ${q2}: ${m.value} is chosen, and ${who} learns it.`;
  else if (heardCount(ctx.before, m.to, m) === heard) why = `${who} had already heard this from ${ctx.name(m.from)}; a learner counts each acceptor once, so it still knows of ${heard} of the ${q2} acceptances it needs.`;
  else why = `${who} now knows of ${heard} of the ${q2} acceptances of ballot ${b} it needs before it may learn ${m.value}: it does not know yet whether ${m.value} is chosen.`;
  return {
    lines: [
      `LEARN   Notice from ${ctx.name(m.from)} to ${who}(choice: ${none(before?.choice)})`,
      `${INDENT}[ACC] Accept(${b}, ${m.value}), ${who}(heard: ${heard}, quorum_size: ${q2}, choice: ${none(after?.choice)})`,
    ],
    explanation: `${ctx.name(m.from)} told learner ${who} that it accepted ${m.value} in ballot ${b}. ${why}`,
    data: data('delivered', m.to, [m.from, m.to], { messageIds: [m.id], ballot: m.ballot, value: m.value, tag: 'ACC' }),
  };
}
