/** Multi-Paxos messages in one line, for lists of messages in flight and for the log (message-label.ts labels the notebook's). */
import type { Ballot } from '../ballot';
import type { MultiMessage, SlotValue } from './types';

/** `PROMISE Request A -> B (p: 1.A, from_slot: 1)`: a Multi-Paxos message, in one line; `name` and `b` print node ids and ballots. */
export function multiMessageLabel(ctx: { name: (id: string) => string; b: (b: Ballot) => string }, m: MultiMessage): string {
  const route = `${ctx.name(m.from)} -> ${ctx.name(m.to)}`;
  switch (m.kind) {
    case 'multiPrepare':
      return `PROMISE Request ${route} (p: ${ctx.b(m.ballot)}, from_slot: ${m.slot})`;
    case 'multiAccept':
      return `ACCEPT Request ${route} (p: ${ctx.b(m.ballot)}, slot: ${m.slot}, val: ${m.value})`;
    case 'multiPromise':
      return `Promise ${route} (${ctx.b(m.ballot)}, ${slotsAccepted(ctx, m.accepted)})`;
    case 'multiAccepted':
      return `Accept ${route} (${ctx.b(m.ballot)}, slot: ${m.slot}, ${m.value})`;
    case 'multiNotice':
      return `Accepted notice ${route} (${ctx.b(m.ballot)}, slot: ${m.slot}, ${m.value})`;
    case 'multiReject':
      return `Refusal ${route} (${m.request === 'prepare' ? 'Promise' : `Accept slot ${m.slot}`}(${ctx.b(m.ballot)}) lost to ${ctx.b(m.promised)})`;
  }
}

/** `last_accepted(slot 2: 1.A, set x 3; slot 3: 1.A, get x)`: what a Multi-Paxos promise carries back. */
export function slotsAccepted(ctx: { b: (b: Ballot) => string }, accepted: readonly SlotValue[]): string {
  return `last_accepted(${accepted.map((a) => `slot ${a.slot}: ${ctx.b(a.ballot)}, ${a.value}`).join('; ')})`;
}
