/** The messages between a page and the explorer's worker (explore.worker.ts). */
import { EXPLORE_DEFAULTS, type ClientEventName, type ExploreBounds, type RoomCommand, type RoomState, type ScheduleStep } from '@toy-paxos/shared';

export type WorkerRequest = { readonly type: 'start'; readonly state: RoomState; readonly bounds: ExploreBounds } | { readonly type: 'stop' };

/** One outcome the search reached, with the shortest way to it. */
export interface WhatIfOutcome {
  readonly kind: 'violation' | 'chosen';
  readonly title: string;
  readonly detail: string;
  /** The way to play, one command a step (requests that follow each other merged, as a person sends them). */
  readonly steps: readonly ScheduleStep[];
  /** How long the way is, counted as the search counts it: a request to each acceptor is one step. */
  readonly length: number;
  /** False for a way found by searching for one value alone, which may not be the shortest. */
  readonly shortest: boolean;
}

export interface WhatIfAnswer {
  readonly summary: readonly string[];
  readonly scope: string;
  readonly states: number;
  readonly complete: boolean;
  readonly outcomes: readonly WhatIfOutcome[];
}

export type WorkerAnswer =
  | { readonly type: 'progress'; readonly states: number; readonly depth: number }
  | ({ readonly type: 'done' } & WhatIfAnswer)
  | { readonly type: 'error'; readonly message: string };

/** The socket event and payload that play `command` in a room, as the instructor; null for a command the explorer never makes. */
export function commandEvent(command: RoomCommand): { readonly event: ClientEventName; readonly payload: object } | null {
  switch (command.type) {
    case 'propose':
      return { event: 'node:propose', payload: { node: command.node, value: command.value ?? null } };
    case 'promiseRequest':
      return { event: 'node:promise', payload: { node: command.from, to: command.to } };
    case 'acceptRequest':
      return { event: 'node:accept', payload: { node: command.from, to: command.to } };
    case 'answer':
      return { event: 'node:answer', payload: { node: command.node, id: command.id, yes: command.yes } };
    case 'deliver':
      return { event: 'net:deliver', payload: { id: command.id } };
    case 'drop':
      return { event: 'net:drop', payload: { id: command.id } };
    case 'duplicate':
      return { event: 'net:duplicate', payload: { id: command.id } };
    case 'crash':
      return { event: 'node:crash', payload: { node: command.node } };
    case 'recover':
      return { event: 'node:recover', payload: { node: command.node } };
    case 'cut':
      return { event: 'net:cut', payload: { a: command.a, b: command.b } };
    case 'heal':
      return { event: 'net:heal', payload: { a: command.a, b: command.b } };
    default:
      return null;
  }
}

/** New values the explorer offers, in this order: the first the room has not proposed is added. */
const NEW_VALUES = ['Apple', 'Mango', 'Kiwi', 'Plum', 'Pear', 'Fig', 'Lime', 'Grape'] as const;

/**
 * The explorer's values to start with: the values the room has proposed, and one it has not,
 * so that "found no way to choose another value" is about a value someone could still propose.
 * At most `EXPLORE_DEFAULTS.valuesMax`, no value twice.
 */
export function explorerValues(state: RoomState): string[] {
  const proposed = new Set(Object.keys(state.monitor.proposed));
  for (const id of state.order) {
    const v = state.nodes[id]!.proposer.value;
    if (v !== null) proposed.add(v);
  }
  const kept = [...proposed].slice(0, EXPLORE_DEFAULTS.valuesMax - 1);
  const fresh = NEW_VALUES.find((v) => !proposed.has(v)) ?? `Value ${proposed.size + 1}`;
  return [...kept, fresh];
}
