/**
 * From a client's event to the shared core's command, and what a command may cost: the
 * budgets that keep one member from filling the log, and the log's own limits. The
 * classroom (classroom.ts) decides the command with the core and commits it.
 */
import { randomInt } from 'node:crypto';
import { NODE_EVENTS, type ClientEventName, type RoomCommand } from '@toy-paxos/shared';
import type { ClientPayload } from '@toy-paxos/shared/protocol';
import { answersToClose } from './checkpoints';
import { fail, type Outcome, type Refused } from './outcome';
import type { ServerLimits } from './config';
import type { Participant, Room } from './room';
import { TokenBucket } from './security';

/**
 * The core's command for a client's event: who acts (a student for its own node; the
 * instructor names one), and what the event asks. Events that are not commands of the core
 * (sessions, replay, branches, sharing) are refused here; the classroom runs them itself.
 */
export function toCommand(room: Room, p: Participant, event: ClientEventName, payload: unknown): Outcome<{ command: RoomCommand }> {
  const ok = (command: RoomCommand): Outcome<{ command: RoomCommand }> => ({ ok: true, value: { command } });
  let actor: string | null = null;
  if (NODE_EVENTS.includes(event)) {
    const asked = (payload as { node?: string }).node;
    if (p.role === 'student') {
      // A student sends a client command to the leader as a client, not as that node: it
      // may name any node (the core refuses one that is not leading).
      if (event === 'node:submit' && asked !== undefined) actor = asked;
      else if (asked !== undefined && asked !== p.node) {
        const name = room.log.state.nodes[p.node!]?.name ?? p.node;
        return fail('forbidden', `You control ${name}; you cannot act for another node.`);
      } else actor = p.node;
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
      return ok({ type: 'promiseRequest', from: actor!, to: (payload as ClientPayload<'node:promise'>).to });
    case 'node:accept': {
      const { to, slot } = payload as ClientPayload<'node:accept'>;
      // The core refuses a slot in a single-decree room (`wrong-protocol`).
      return ok({ type: 'acceptRequest', from: actor!, to, ...(slot !== undefined ? { slot } : {}) });
    }
    case 'node:lead':
      return ok({ type: 'lead', node: actor! });
    case 'node:submit':
      return ok({ type: 'submit', node: actor!, command: (payload as ClientPayload<'node:submit'>).command });
    case 'node:answer': {
      const { id, yes } = payload as ClientPayload<'node:answer'>;
      return ok({ type: 'answer', node: actor!, id, yes });
    }
    case 'node:program':
      return ok({ type: 'setOwnProgram', node: actor!, status: (payload as ClientPayload<'node:program'>).status });
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
    case 'net:deliverAll': {
      const { from, to, random } = payload as ClientPayload<'net:deliverAll'>;
      // The server draws the order's seed; the event keeps it, so a replay delivers in the same order.
      return ok({ type: 'deliverAll', from, to, ...(random ? { seed: randomInt(2 ** 31) } : {}) });
    }
    case 'net:dropAll': {
      const { from, to } = payload as ClientPayload<'net:dropAll'>;
      return ok({ type: 'dropAll', from, to });
    }
    case 'net:partition':
      return ok({ type: 'partition', groups: (payload as ClientPayload<'net:partition'>).groups });
    case 'net:healAll':
      return ok({ type: 'healAll' });
    case 'room:settings':
      return ok({ type: 'changeSettings', settings: (payload as ClientPayload<'room:settings'>).settings });
    case 'room:round':
      return ok({ type: 'newRound' });
    case 'participant:rename': {
      const { node, name } = payload as ClientPayload<'participant:rename'>;
      return ok({ type: 'renameNode', node, name: room.uniqueName(name, node) });
    }
    case 'bot:add': {
      const { name, count = 1 } = payload as ClientPayload<'bot:add'>;
      if (name !== undefined) return ok({ type: 'addNode', node: room.nextNodeId(), name: room.uniqueName(name), bot: true });
      const names = room.freeBotNames(count);
      return ok({ type: 'addNodes', nodes: room.nextNodeIds(count).map((node, i) => ({ node, name: names[i]!, bot: true })) });
    }
    case 'checkpoint:open': {
      const { spec, seconds } = payload as ClientPayload<'checkpoint:open'>;
      return ok({ type: 'openCheckpoint', spec, ...(seconds !== undefined ? { seconds } : {}) });
    }
    case 'checkpoint:close': {
      const { id } = payload as ClientPayload<'checkpoint:close'>;
      return ok({ type: 'closeCheckpoint', id, answers: answersToClose(room, id) });
    }
    case 'checkpoint:reveal': {
      const { id, answer } = payload as ClientPayload<'checkpoint:reveal'>;
      // Only an open question closes with the reveal; a closed one recorded its answers then.
      const open = room.log.state.checkpoints.find((c) => c.id === id)?.status === 'open';
      return ok({ type: 'revealCheckpoint', id, ...(answer !== undefined ? { answer } : {}), ...(open ? { answers: answersToClose(room, id) } : {}) });
    }
    case 'room:join':
    case 'room:confirm':
    case 'room:resume':
    case 'room:history':
    case 'room:analytics':
    case 'checkpoint:answer':
    case 'room:lock':
    case 'replay:present':
    case 'branch:fork':
    case 'branch:switch':
    case 'share:create':
    case 'share:revoke':
    case 'participant:remove':
      return fail('bad-request', `${event} is not a command.`);
  }
}

/**
 * How fast the log may grow: each member, and the room as a whole, have a budget of
 * events, so no one member can fill the log for everyone. The instructor's commands are
 * exempt (they are how a class is run, and how a flooder is removed).
 */
export function growthRefused(room: Room, p: Participant, adding: number, nowMs: number, spend: boolean, limits: ServerLimits, retrying: boolean): Refused | null {
  // An operation decided again after a conflict (`retrying`) paid on its first attempt.
  if (p.role === 'instructor' || adding === 0 || retrying) return null;
  room.growth ??= new TokenBucket(limits.roomEventsBurst, limits.roomEventsPerSecond, nowMs);
  p.growth ??= new TokenBucket(limits.memberEventsBurst, limits.memberEventsPerSecond, nowMs);
  // Both are checked before either is spent: a refusal costs neither budget.
  if (!p.growth.has(nowMs, adding)) {
    return fail('rate-limited', `You have added a lot to the log: it grows by at most ${limits.memberEventsPerSecond} of your events a second. Wait a little.`);
  }
  if (!room.growth.has(nowMs, adding)) {
    return fail('rate-limited', `This room's log is growing too fast (at most ${limits.roomEventsPerSecond} events a second): wait a little.`);
  }
  if (spend) {
    p.growth.take(nowMs, adding);
    room.growth.take(nowMs, adding);
  }
  return null;
}

/**
 * Refuses events past a timeline's limit, or past what the room's timelines may hold of
 * their own together (twice that limit): each branch shares its parent's events up to its
 * fork point, but what it adds costs memory, and 20 full branches would cost 20 rooms.
 */
export function logFull(room: Room, limits: ServerLimits, adding: number): Refused | null {
  const max = limits.eventsPerRoomMax;
  if (room.log.length + adding > max) return fail('log-full', `This room's log holds ${max} events, its limit: start a new room to go on.`);
  let own = 0;
  for (const t of room.timelines.values()) own += t.log.length - t.meta.forkSeq;
  if (own + adding > 2 * max) {
    return fail('log-full', `This room's timelines hold ${2 * max} events of their own together, the most a room keeps: export it, and start a new room to go on.`);
  }
  return null;
}
