/**
 * The moments of Multi-Paxos, for the replay's list of what teaches (replay/moments.ts says
 * which there are and why): a leader starting, a promise that reports a command in a slot,
 * a new leader re-proposing it (P2c, slot by slot) or filling a hole with no-op, a ballot
 * that can no longer win, a quorum of promises, a command chosen or learned in a slot.
 */
import { compareBallots, sameBallot } from '../ballot';
import type { Message } from '../node';
import type { MomentContext } from '../protocols/types';
import { roomQuorums, type AnyReply, type RoomEvent, type RoomState } from '../room-state';
import { multiNodeOf } from './state';
import { NO_OP, type MultiMessage, type MultiRequest, type SlotChoice } from './types';

/** Every choice in the slots of `s`, in the order they happened. */
function slotsChosen(s: RoomState): readonly SlotChoice[] {
  return s.multi?.monitor.chosen ?? [];
}

/** The moments of a Multi-Paxos event: a leader starting, and what its requests and replies do. */
export function multiEventMoments(at: MomentContext, e: RoomEvent): void {
  switch (e.type) {
    case 'leaderStarted':
      at.add(
        'proposal',
        `${at.name(e.node)} leads with ${at.b(e.ballot)}`,
        `${at.name(e.node)} starts leading with ballot ${at.b(e.ballot)}: one phase 1 covers every slot from ${e.slot} on.`,
      );
      return;
    case 'multiExchanged':
      if (e.request.kind === 'multiAccept') firstSlotAccept(at, e.request);
      replyReached(at, e.reply);
      return;
    case 'multiSent':
    case 'multiLost':
      if (e.message.kind === 'multiAccept') firstSlotAccept(at, e.message);
      return;
    default:
      return;
  }
}

/** The moments of a Multi-Paxos message arriving: a reply reaching its leader. */
export function multiDeliveryMoments(at: MomentContext, m: Message, _reply: AnyReply | null): void {
  const message = m as MultiMessage;
  if (message.kind === 'multiPromise' || message.kind === 'multiAccepted' || message.kind === 'multiReject') replyReached(at, message);
}

/** The moments read from a Multi-Paxos room's states: leaders' quorums of promises, commands chosen and learned in slots. */
export function multiStateMoments(at: MomentContext): void {
  promiseQuorums(at);
  chosenCommands(at);
  learnedCommands(at);
}

/** The first accept request of a slot in a leader's ballot: a re-proposed command, a no-op in a hole, or a skipped re-proposal. */
function firstSlotAccept(at: MomentContext, m: Extract<MultiRequest, { kind: 'multiAccept' }>): void {
  const leader = multiNodeOf(at.before.multi, m.from).leader;
  if (!leader || !sameBallot(leader.ballot, m.ballot) || leader.sent[m.slot] !== undefined) return;
  const who = at.name(m.from);
  const reported = leader.reported[m.slot];
  const reporters = reported ? at.reporters(m.from, leader.promisers, reported.ballot, reported.value, (id) => multiNodeOf(at.before.multi, id).accepted[m.slot]) : '';
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

/** A reply reaches its leader: a promise that reports commands in slots, or a refusal after which the ballot cannot win. */
function replyReached(at: MomentContext, r: Extract<MultiMessage, { kind: 'multiPromise' | 'multiAccepted' | 'multiReject' }>): void {
  const lb = multiNodeOf(at.before.multi, r.to).leader;
  const la = multiNodeOf(at.after.multi, r.to).leader;
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
  const open = at.after.members.filter((id) => at.after.nodes[id] && compareBallots(multiNodeOf(at.after.multi, id).promised, r.ballot) <= 0 && !have.includes(id));
  if (have.length + open.length >= needed || at.lostBefore(r)) return;
  at.markLost(r);
  at.add(
    'ballot-lost',
    `${who}'s ballot ${at.b(r.ballot)} cannot win`,
    `${at.refuser(r)} ${at.b(r.ballot)}, having promised ${at.b(r.promised)}: ${who}'s ballot ${at.b(r.ballot)} can no longer get the ${needed} ${prepare ? 'promises' : 'acceptances'} it needs, so to lead on ${who} must lead again above ${at.b(r.promised)}.`,
  );
}

/** Leaders that reach a quorum of promises at this event. */
function promiseQuorums(at: MomentContext): void {
  const q1Before = roomQuorums(at.before).q1;
  const q1 = roomQuorums(at.after).q1;
  // A smaller quorum can make any leader's promises a quorum.
  for (const id of at.nodes(q1 !== q1Before)) {
    const la = multiNodeOf(at.after.multi, id).leader;
    const lb = multiNodeOf(at.before.multi, id).leader;
    if (!la || la.promisers.length < q1 || (lb && sameBallot(lb.ballot, la.ballot) && lb.promisers.length >= q1Before)) continue;
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
      `${who} has ${at.promises(la.promisers.length, q1, at.b(la.ballot))}: phase 1 is done for every slot from ${la.slot} on${then}.`,
    );
  }
}

/** Commands chosen in slots at this event. */
function chosenCommands(at: MomentContext): void {
  const mb = slotsChosen(at.before);
  // Most events choose nothing: say so before any copy is made.
  if (slotsChosen(at.after).length === mb.length) return;
  const acceptors = at.acceptorQuorum();
  for (const c of slotsChosen(at.after).slice(mb.length)) {
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
    const learners = at.after.order.filter((id) => multiNodeOf(at.after.multi, id).learned[c.slot] === c.value && multiNodeOf(at.before.multi, id).learned[c.slot] !== c.value);
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

/**
 * The first nodes to learn a command in a slot, at an event that did not choose it (where
 * the choice's moment names them): chosen and learned are two moments.
 */
function learnedCommands(at: MomentContext): void {
  const { before, after } = at;
  const chosenNow = slotsChosen(after).slice(slotsChosen(before).length);
  const fresh = new Map<string, { slot: number; value: string; ids: string[] }>();
  for (const id of after.order) {
    const la: Readonly<Record<number, string>> = multiNodeOf(after.multi, id).learned;
    const lb: Readonly<Record<number, string>> = multiNodeOf(before.multi, id).learned;
    for (const [s, value] of Object.entries(la)) {
      const slot = Number(s);
      if (lb[slot] === value) continue;
      const key = `${slot}|${value}`;
      fresh.set(key, { slot, value, ids: [...(fresh.get(key)?.ids ?? []), id] });
    }
  }
  for (const { slot, value, ids } of fresh.values()) {
    if (chosenNow.some((c) => c.slot === slot && c.value === value)) continue;
    if (before.order.some((id) => multiNodeOf(before.multi, id).learned[slot] === value)) continue;
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
