/** One message in one line, for lists of messages in flight and for the log. */
import type { Ballot } from './ballot';
import type { ReplyMessage, RequestMessage } from './node';

/** `PROMISE Request A -> B (p: 1.A)`: a message, in one line; `name` and `b` print node ids and ballots. */
export function messageLabel(ctx: { name: (id: string) => string; b: (b: Ballot) => string }, m: RequestMessage | ReplyMessage): string {
  const route = `${ctx.name(m.from)} -> ${ctx.name(m.to)}`;
  switch (m.kind) {
    case 'prepare':
      return `PROMISE Request ${route} (p: ${ctx.b(m.ballot)})`;
    case 'accept':
      return `ACCEPT Request ${route} (p: ${ctx.b(m.ballot)}, val: ${m.value})`;
    case 'promise':
      return `Promise ${route} (${ctx.b(m.ballot)}, ${m.lastAccepted ? `last_accepted(${ctx.b(m.lastAccepted.ballot)}, ${m.lastAccepted.value})` : 'last_accepted()'})`;
    case 'accepted':
      return `Accept ${route} (${ctx.b(m.ballot)}, ${m.value})`;
    case 'reject':
      return `Refusal ${route} (${m.request === 'prepare' ? 'Promise' : 'Accept'}(${ctx.b(m.ballot)}) lost to ${ctx.b(m.promised)})`;
  }
}
