/**
 * The moments of single-decree Paxos (the notebook's), for the replay's list of what teaches
 * (replay/moments.ts says which there are and why): a proposal starting, a promise that
 * reports a value and the proposer carrying it (P2c), a broken promise or rule, a ballot that
 * can no longer win, a quorum of promises, a value chosen, a value learned.
 */
import { compareBallots, sameBallot } from '../ballot';
import type { Message, ReplyMessage, RequestMessage } from '../node';
import { ballotOutlook } from '../outlook';
import { roomQuorums, type AnyReply, type RoomEvent } from '../room-state';
import type { MomentContext } from './types';

/** The moments of a single-decree event: a proposal starting, and what its requests and replies do. */
export function singleEventMoments(at: MomentContext, e: RoomEvent): void {
  switch (e.type) {
    case 'proposalStarted':
      at.add(
        'proposal',
        `${at.name(e.node)} proposes ${at.b(e.ballot)}${e.value ? ` (${e.value})` : ''}`,
        `${at.name(e.node)} starts ballot ${at.b(e.ballot)}, ${e.value === null ? 'with no value of its own' : `wanting ${e.value}`}: first it needs a quorum of promises.`,
      );
      return;
    case 'exchanged':
      if (e.request.kind === 'accept') firstAccept(at, e.request);
      if (e.reply) {
        brokenPromise(at, e.request, e.reply);
        replyReached(at, e.reply);
      }
      return;
    case 'sent':
    case 'lost':
      if (e.message.kind === 'accept') firstAccept(at, e.message);
      return;
    case 'answered': {
      const request = at.before.held[e.id];
      if (request) brokenPromise(at, request, e.reply);
      if (e.instant && !e.lost) replyReached(at, e.reply);
      return;
    }
    default:
      return;
  }
}

/** The moments of a single-decree message arriving: an acceptor breaking its promise, a reply reaching its proposer. */
export function singleDeliveryMoments(at: MomentContext, m: Message, reply: AnyReply | null): void {
  if ((m.kind === 'prepare' || m.kind === 'accept') && reply) brokenPromise(at, m, reply as ReplyMessage);
  if (m.kind === 'promise' || m.kind === 'accepted' || m.kind === 'reject') replyReached(at, m);
}

/** The moments read from a single-decree room's states: quorums of promises, values chosen, values learned. */
export function singleStateMoments(at: MomentContext): void {
  promiseQuorums(at);
  chosenValues(at);
  learnedValues(at);
}

/** The first accept request of a ballot: the value it carries, and why (P2c), or the rule it breaks. */
function firstAccept(at: MomentContext, m: Extract<RequestMessage, { kind: 'accept' }>): void {
  const p = at.before.nodes[m.from]?.proposer;
  if (!p || !sameBallot(p.ballot, m.ballot) || p.sentValue !== null) return;
  const who = at.name(m.from);
  const acc = p.promiserAccMax;
  const own = p.value;
  const reporters = acc ? at.reporters(m.from, p.promisers, acc.ballot, acc.value, (id) => at.before.nodes[id]?.acceptor.accepted ?? undefined) : '';
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

/** An acceptor that says yes below its promise: the broken-promises mode (P1a). */
function brokenPromise(at: MomentContext, m: RequestMessage, reply: ReplyMessage): void {
  const promised = at.before.nodes[m.to]?.acceptor.promised;
  if (reply.kind === 'reject' || !promised || compareBallots(m.ballot, promised) >= 0) return;
  const who = at.name(m.to);
  at.add(
    'rule-broken',
    `Rule broken: ${who} breaks its promise of ${at.b(promised)}`,
    `Rule-breaking mode: ${who} had promised ${at.b(promised)}, yet it ${m.kind === 'prepare' ? 'promises' : 'accepts'} ${at.b(m.ballot)}, a lower ballot (P1a broken).`,
  );
}

/** A reply reaches its proposer: a promise that reports a value, or a refusal after which the ballot cannot win. */
function replyReached(at: MomentContext, r: ReplyMessage): void {
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
    if (at.lostBefore(r)) return;
    const { q1, q2 } = roomQuorums(at.after);
    const o = ballotOutlook(at.after, r, pa.promisers, q1, q2);
    if (o.kind !== 'lost') return;
    at.markLost(r);
    at.add(
      'ballot-lost',
      `${who}'s ballot ${at.b(r.ballot)} cannot win`,
      `${at.refuser(r)} ${at.b(r.ballot)}, having promised ${at.b(r.promised)}: ${who}'s ballot ${at.b(r.ballot)} can no longer get the ${o.needed} ${r.request === 'prepare' ? 'promises' : 'acceptances'} it needs, so ${who} must start a new proposal above ${at.b(r.promised)}.`,
    );
  }
}

/** Proposers that reach a quorum of promises at this event. */
function promiseQuorums(at: MomentContext): void {
  const q1Before = roomQuorums(at.before).q1;
  const q1 = roomQuorums(at.after).q1;
  // A smaller quorum can make any proposer's promises a quorum.
  for (const id of at.nodes(q1 !== q1Before)) {
    const pa = at.after.nodes[id]!.proposer;
    const pb = at.before.nodes[id]?.proposer;
    if (!pa.ballot || pa.promisers.length < q1 || (pb && sameBallot(pb.ballot, pa.ballot) && pb.promisers.length >= q1Before)) continue;
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
      `${who} has ${at.promises(pa.promisers.length, q1, at.b(pa.ballot))}, a quorum: its accept requests may go out now, ${carrying}.`,
    );
  }
}

/** Values chosen at this event. */
function chosenValues(at: MomentContext): void {
  const { before, after } = at;
  // Most events choose nothing: say so before any copy is made.
  if (after.monitor.chosen.length === before.monitor.chosen.length) return;
  const acceptors = at.acceptorQuorum();
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
}

/**
 * The first nodes to learn a value, at an event that did not choose it (where the choice's
 * moment names them): chosen and learned are two moments (Paxos Made Simple, section 2.3).
 */
function learnedValues(at: MomentContext): void {
  const { before, after } = at;
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
}
