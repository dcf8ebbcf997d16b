/**
 * What the room's general code (labels, drawings, the log's folds) needs to know of each
 * protocol's message and event kinds, as plain data: which part of Paxos a message plays,
 * which events a protocol module folds, which starts a ballot. Data only, no protocol's
 * code, so that any file of the core can ask without depending on the modules.
 */
import type { Message } from '../node';
import type { ProtocolCommand, ProtocolEvent } from './slots';
import type { RoomCommand, RoomEvent } from '../room-state';
import { MULTI_BALLOT_START, MULTI_COMMAND_TYPES, MULTI_EVENT_TYPES, MULTI_NETWORK_MOVES, MULTI_ROLES } from '../multi/types';

/** The part of Paxos a message plays, named by the notebook's message for it. */
export type MessageRole = 'prepare' | 'accept' | 'promise' | 'accepted' | 'notice' | 'reject';

// Every kind, the notebook's first and each protocol's in the same order of roles.
const ROLES: Readonly<Record<Message['kind'], MessageRole>> = {
  prepare: 'prepare',
  accept: 'accept',
  promise: 'promise',
  accepted: 'accepted',
  notice: 'notice',
  reject: 'reject',
  ...MULTI_ROLES,
};

/** The part of Paxos message `m` plays, whatever its protocol. */
export function messageRole(m: { readonly kind: Message['kind'] }): MessageRole {
  return ROLES[m.kind];
}

/** A table by message kind built from one by role: every protocol's message of a role gets the same entry. Kinds in the notebook's order. */
export function byMessageKind<T>(byRole: Readonly<Record<MessageRole, T>>): Record<Message['kind'], T> {
  return Object.fromEntries((Object.keys(ROLES) as Message['kind'][]).map((kind) => [kind, byRole[ROLES[kind]]])) as Record<Message['kind'], T>;
}

const PROTOCOL_EVENTS: ReadonlySet<string> = new Set<string>(MULTI_EVENT_TYPES);

/** True for an event a protocol module adds to the room's own (and folds itself). */
export function isProtocolEvent(e: RoomEvent): e is ProtocolEvent {
  return PROTOCOL_EVENTS.has(e.type);
}

/** True for the event that starts a ballot: a proposal, or a leader's phase 1. */
export function startsBallot(e: RoomEvent): boolean {
  return e.type === 'proposalStarted' || e.type === MULTI_BALLOT_START;
}

/** What a protocol event does to the network in the single-decree events' terms, for drawings: a request sent, one exchanged with its reply, or nothing drawn. */
export function networkMove(e: ProtocolEvent): 'sent' | 'exchanged' | null {
  return (MULTI_NETWORK_MOVES as Partial<Record<ProtocolEvent['type'], 'sent' | 'exchanged'>>)[e.type] ?? null;
}

const PROTOCOL_COMMANDS: ReadonlySet<string> = new Set<string>(MULTI_COMMAND_TYPES);

/** True for a command a protocol module adds to the room's own (its module decides it, or refuses it elsewhere). */
export function isProtocolCommand(c: RoomCommand): c is ProtocolCommand {
  return PROTOCOL_COMMANDS.has(c.type);
}
