/**
 * `decide` for Multi-Paxos: checks the commands of a Multi-Paxos room (lead, submit, and
 * the promise and accept requests of a leader) and returns their events, or a refusal that
 * says what to do. `decide` (decide.ts) hands these commands here first.
 */
import { formatBallot, nextBallot } from '../ballot';
import { networkFull, refuse, requestTargets, unknownNode, watching } from '../refusals';
import { LIMITS, linkUp, mayPropose, nameOf, roomQuorums, type Decision, type Refusal, type RoomCommand, type RoomEvent, type RoomState, type Target } from '../room-state';
import type { RoomSettings } from '../settings';
import { invariant } from '../invariant';
import { parseKvCommand } from './kv';
import { nextFreeSlot, pendingSlots, slotValue } from './leader';
import type { MultiAnswer, MultiLeaderProgram } from './programs';
import { firstUnlearned, multiNodeOf, multiProgramsOf } from './state';
import { MULTI_LIMITS, type LeaderState, type MultiReply, type MultiRequest } from './types';

const LEAD_FIRST = 'start leading first ("lead")';

/** In a room of another protocol: the refusal for a command only a Multi-Paxos room plays, or null. */
export function refuseOutsideMulti(command: RoomCommand): Refusal | null {
  switch (command.type) {
    case 'lead':
      return singleRoom('lead');
    case 'submit':
      return singleRoom('take client commands');
    case 'acceptRequest':
      return command.slot === undefined ? null : singleRoom('name a slot');
    default:
      return null;
  }
}

/** In a Multi-Paxos room: decides its commands, or refuses one it plays another way; null for the room's own commands. */
export function decideMulti(state: RoomState, command: RoomCommand): Decision | null {
  switch (command.type) {
    case 'lead':
      return decideLead(state, command.node);
    case 'submit':
      return decideSubmit(state, command.node, command.command);
    case 'acceptRequest':
      return decideMultiRequest(state, 'accept', command.from, command.to, command.slot);
    case 'promiseRequest':
      return decideMultiRequest(state, 'prepare', command.from, command.to, undefined);
    case 'propose':
      return refuse('wrong-protocol', 'This is a Multi-Paxos room: a node starts a ballot with "lead", and clients send commands to the leader with "submit".');
    case 'answer':
      return refuse('wrong-protocol', 'In a Multi-Paxos room the core answers for every acceptor: there is no inbox to answer from.');
    case 'setOwnProgram':
      return command.status === 'running'
        ? refuse('wrong-protocol', 'A learner\'s own program plays single-decree Paxos, and in a Multi-Paxos room the core answers for every acceptor: there is nothing for it to answer here.')
        : null;
    case 'openCheckpoint':
      return command.spec.kind !== 'free'
        ? refuse('wrong-protocol', 'The computed questions are about one decision; in a Multi-Paxos room ask a free question ("ask free QUESTION | ANSWER | ANSWER").')
        : null;
    default:
      return null;
  }
}

function singleRoom(what: string): Refusal {
  return refuse('wrong-protocol', `Only a Multi-Paxos room has slots and a leader, so only there can a node ${what}: switch the room's protocol to multi first (between rounds).`);
}

/** Why settings `wanted` do not fit Multi-Paxos, or null. */
export function multiSettingsProblem(wanted: RoomSettings): Refusal | null {
  if (wanted.acceptorMode === 'students') {
    return refuse('bad-settings', 'In a Multi-Paxos room the core answers for the acceptors: set acceptors to "rules" to play Multi-Paxos.');
  }
  return null;
}

/** The checks every leader command shares: the node exists, is up, and is one of this round's acceptors. */
function actor(state: RoomState, id: string, doing: string): Refusal | null {
  const node = state.nodes[id];
  if (!node) return unknownNode(id);
  if (!node.up) return refuse('node-crashed', `${node.name} has crashed; recover it before it ${doing}.`);
  return null;
}

function decideLead(state: RoomState, id: string): Decision {
  const bad = actor(state, id, 'leads');
  if (bad) return bad;
  if (!mayPropose(state, id)) return watching(state, id, 'lead');
  const n = multiNodeOf(state.multi, id);
  const slot = firstUnlearned(n);
  if (slot > MULTI_LIMITS.slotsMax) return slotsFull();
  const ballot = nextBallot(state.settings.ballots, n.maxRound, id);
  return { ok: true, events: [{ type: 'leaderStarted', node: id, ballot, slot }] };
}

function slotsFull(): Refusal {
  return refuse('slots-full', `A round's log holds at most ${MULTI_LIMITS.slotsMax} slots: start a new round for a fresh log.`);
}

/** A leader's refusal when it has no ballot, or no promise quorum for it. */
function notLeading(state: RoomState, id: string, leader: LeaderState | null, doing: string): Refusal | null {
  const name = nameOf(state, id);
  if (!leader) return refuse('not-leader', `${name} is not leading: ${LEAD_FIRST}, get a quorum of promises, then it can ${doing}.`);
  const { q1 } = roomQuorums(state);
  if (leader.promisers.length < q1) {
    return refuse(
      'not-leader',
      `${name} has ${leader.promisers.length} of the ${q1} promises it needs for ballot ${formatBallot(leader.ballot, (x) => nameOf(state, x))}. ` +
        `Only after phase 1 does a leader know which slots may already hold a chosen command, so only then may it ${doing}.`,
    );
  }
  return null;
}

function decideSubmit(state: RoomState, id: string, command: string): Decision {
  const parsed = parseKvCommand(command);
  if (typeof parsed === 'string') return refuse('bad-command', parsed);
  const bad = actor(state, id, 'takes commands');
  if (bad) return bad;
  const n = multiNodeOf(state.multi, id);
  const waiting = notLeading(state, id, n.leader, 'put client commands in slots');
  if (waiting) return waiting;
  const slot = nextFreeSlot(n.leader!, n, multiProgramsOf(state).leader);
  if (slot > MULTI_LIMITS.slotsMax) return slotsFull();
  return { ok: true, events: [{ type: 'commandSubmitted', node: id, slot, command }] };
}

function decideMultiRequest(state: RoomState, kind: 'prepare' | 'accept', from: string, to: Target, slot: number | undefined): Decision {
  const what = kind === 'prepare' ? 'a promise request' : 'an accept request';
  const bad = actor(state, from, `sends ${what}`);
  if (bad) return bad;
  const n = multiNodeOf(state.multi, from);
  const leader = n.leader;
  const name = nameOf(state, from);
  if (!leader) return refuse('no-proposal', `${name} is not leading: ${LEAD_FIRST}.`);
  const program = multiProgramsOf(state).leader;
  let slots: number[] = [leader.slot];
  if (kind === 'accept') {
    const quorums = roomQuorums(state);
    if (!program.readyToAccept(leader, quorums)) {
      return refuse(
        'no-promise-quorum',
        `${name} has ${leader.promisers.length} of the ${quorums.q1} promises it needs. An accept request needs a quorum of promises first, so that the leader knows every command that may already be chosen in its slots.`,
      );
    }
    if (slot === undefined) {
      slots = pendingSlots(leader, n, program);
      if (slots.length === 0) return refuse('no-value', `${name} has no slot to send: every slot it knows a command for is learned. Submit a client command first.`);
    } else {
      const problem = slotProblem(leader, name, slot, program);
      if (problem) return problem;
      slots = [slot];
    }
  }
  const targets = requestTargets(state, to, what);
  if (!Array.isArray(targets)) return targets;
  const queued = state.settings.delivery === 'queued';
  if (queued && state.inFlight.length + targets.length * slots.length > LIMITS.inFlightMax) return networkFull();

  const events: RoomEvent[] = [];
  let nextId = state.nextMessageId;
  for (const s of slots) {
    for (const t of targets) {
      const request: MultiRequest =
        kind === 'prepare'
          ? { id: nextId++, kind: 'multiPrepare', from, to: t, ballot: leader.ballot, slot: s }
          : { id: nextId++, kind: 'multiAccept', from, to: t, ballot: leader.ballot, slot: s, value: slotValue(leader, s, program)! };
      if (queued) {
        events.push({ type: 'multiSent', message: request });
        continue;
      }
      const target = state.nodes[t]!;
      if (!target.up || !linkUp(state, from, t)) {
        events.push({ type: 'multiLost', message: request, reason: target.up ? 'cut' : 'crashed' });
        continue;
      }
      // Requests to one acceptor in one command all carry one ballot, so each answer is the one it would give alone.
      events.push({ type: 'multiExchanged', request, reply: multiReply(state, request, nextId++) });
    }
  }
  return { ok: true, events };
}

function slotProblem(leader: LeaderState, name: string, slot: number, program: MultiLeaderProgram): Refusal | null {
  if (!Number.isInteger(slot) || slot < 1 || slot > MULTI_LIMITS.slotsMax) {
    return refuse('unknown-slot', `Slots are numbered 1 to ${MULTI_LIMITS.slotsMax}.`);
  }
  if (slot < leader.slot) {
    return refuse(
      'unknown-slot',
      `${name}'s phase 1 covers the slots from ${leader.slot} on; it had learned slot ${slot} before it started leading, so it sends nothing there.`,
    );
  }
  if (slotValue(leader, slot, program) === null) {
    return refuse(
      'unknown-slot',
      `${name} has nothing to propose in slot ${slot}: no client command is in it, no promiser accepted anything there, and no later slot has a command. Submit a client command first.`,
    );
  }
  return null;
}

/** The reply node `request.to` sends to a Multi-Paxos request, as its acceptor program answers it. */
export function multiReply(state: RoomState, request: MultiRequest, id: number): MultiReply {
  return multiReplyTo(request, multiProgramsOf(state).acceptor.onRequest(multiNodeOf(state.multi, request.to), request), id);
}

/** The reply message that carries `answer` to `request`, with id `id`: from the acceptor back to the leader, with the request's ballot and slot. */
function multiReplyTo(request: MultiRequest, answer: MultiAnswer, id: number): MultiReply {
  const base = { id, from: request.to, to: request.from, ballot: request.ballot, slot: request.slot };
  switch (answer.kind) {
    case 'multiReject':
      return request.kind === 'multiAccept'
        ? { ...base, kind: 'multiReject', request: 'accept', promised: answer.promised, value: request.value }
        : { ...base, kind: 'multiReject', request: 'prepare', promised: answer.promised };
    case 'multiAccepted':
      invariant(request.kind === 'multiAccept', `an acceptance answers promise request #${request.id}`);
      return { ...base, kind: 'multiAccepted', value: request.value };
    case 'multiPromise':
      invariant(request.kind === 'multiPrepare', `a promise answers accept request #${request.id}`);
      return { ...base, kind: 'multiPromise', accepted: answer.accepted };
  }
}
