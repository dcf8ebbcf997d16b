/** One message in one line, for lists of messages in flight and for the log. */
import type { Ballot } from './ballot';
import type { Message } from './node';
import { multiMessageLabel } from './multi/label';
import { byMessageKind } from './protocols/kinds';

/** `PROMISE Request A -> B (p: 1.A)`: a message, in one line; `name` and `b` print node ids and ballots. */
export function messageLabel(ctx: { name: (id: string) => string; b: (b: Ballot) => string }, m: Message): string {
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
    case 'notice':
      return `Accepted notice ${route} (${ctx.b(m.ballot)}, ${m.value})`;
    case 'reject':
      return `Refusal ${route} (${m.request === 'prepare' ? 'Promise' : 'Accept'}(${ctx.b(m.ballot)}) lost to ${ctx.b(m.promised)})`;
    default:
      return multiMessageLabel(ctx, m);
  }
}

const KIND_WORDS = byMessageKind<readonly [string, string]>({
  prepare: ['promise request', 'promise requests'],
  accept: ['accept request', 'accept requests'],
  promise: ['promise', 'promises'],
  accepted: ['acceptance', 'acceptances'],
  notice: ['accepted notice', 'accepted notices'],
  reject: ['refusal', 'refusals'],
});

/** "3 promise requests, 2 promises and 1 refusal": what a set of messages holds, by kind. */
export function countKinds(messages: readonly Message[]): string {
  const parts = (Object.keys(KIND_WORDS) as Message['kind'][])
    .map((k) => [k, messages.filter((m) => m.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${KIND_WORDS[k][n === 1 ? 0 : 1]}`);
  return parts.length <= 1 ? (parts[0] ?? 'nothing') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** "from A to B", "to B", or "" for the whole network: the scope of a bulk network command. */
export function scopeLabel(name: (id: string) => string, from: string | undefined, to: string | undefined): string {
  return [from !== undefined ? `from ${name(from)}` : '', to !== undefined ? `to ${name(to)}` : ''].filter(Boolean).join(' ');
}

/** "C, D and E", or past `max` names, "C, D, E and 35 more". */
export function nameList(names: readonly string[], max = 6): string {
  const shown = names.length > max ? [...names.slice(0, max), `${names.length - max} more`] : names;
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}
