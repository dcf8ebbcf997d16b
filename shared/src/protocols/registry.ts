/**
 * The protocol modules a room can play, and how the room finds the one to ask: the room's
 * own (`protocolOf`), or the one that owns a message or an event.
 */
import { invariant } from '../invariant';
import type { Message } from '../node';
import type { Decision, RoomCommand, RoomEvent, RoomState } from '../room-state';
import type { ProtocolMode, RoomSettings } from '../settings';
import { multiPaxos } from './multi';
import { singleDecree } from './single';
import type { ProtocolModule } from './types';

/** Every protocol, the default (single-decree, the notebook's) first. */
export const PROTOCOLS: readonly ProtocolModule[] = [singleDecree, multiPaxos];

const BY_ID: ReadonlyMap<ProtocolMode, ProtocolModule> = new Map(PROTOCOLS.map((p) => [p.id, p]));
const BY_EVENT: ReadonlyMap<string, ProtocolModule> = new Map(PROTOCOLS.flatMap((p) => p.events.map((type) => [type, p] as const)));

/** The module of the protocol named `id`. */
export function protocolNamed(id: ProtocolMode): ProtocolModule {
  const p = BY_ID.get(id);
  invariant(p, `no protocol module for ${id}`);
  return p;
}

/** The module of the protocol a room (or settings) plays. */
export function protocolOf(s: { readonly settings: RoomSettings } | RoomSettings): ProtocolModule {
  return protocolNamed('settings' in s ? s.settings.protocol : s.protocol);
}

/** The module that owns a message kind. */
export function messageOwner(m: Message): ProtocolModule {
  // Single-decree first: the fold asks this of every message it delivers.
  for (const p of PROTOCOLS) if (p.ownsMessage(m)) return p;
  invariant(false, `message #${m.id} is of no protocol (${m.kind})`);
}

/** The module that folds `e`, or null for the room's own events. */
export function eventOwner(e: RoomEvent): ProtocolModule | null {
  return BY_EVENT.get(e.type) ?? null;
}

/**
 * The protocols' part of `decide`: a command only another protocol plays is refused, and the
 * room's protocol decides the commands it plays its own way; null leaves it to the room.
 */
export function decideByProtocol(state: RoomState, command: RoomCommand): Decision | null {
  const own = protocolOf(state);
  for (const p of PROTOCOLS) {
    if (p === own) continue;
    const refusal = p.refuseElsewhere(command);
    if (refusal) return refusal;
  }
  return own.decide(state, command);
}

/** Gives `s` a fresh part for the protocol it plays now, and takes away every other protocol's. */
export function restartProtocolState(s: RoomState): void {
  const own = protocolOf(s);
  for (const p of PROTOCOLS) if (p !== own) p.dropState(s);
  own.startState(s);
}
