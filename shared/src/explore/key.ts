/**
 * The explorer's canonical state key: two room states with the same key have the same
 * futures and the same outcomes, so the search visits one of them. This is the one
 * place that says what a state is made of. A node field, or a field of its proposer or
 * acceptor, that is not named here is still in the key (as JSON): a new field is safe by
 * default, and naming it here only makes the key shorter.
 *
 * What counts once (symmetries that are sound):
 * - message ids: messages in flight and requests held in an inbox are compared by their
 *   content, as a multiset; ids only name messages and never change what happens;
 * - order: the network's order and the order of sets (promisers, acceptors, cut links,
 *   tallies) do not change what any command does;
 * - the event count (`seq`) and the events the monitor cites: they only name history.
 *
 * What does not: node names. Renaming nodes is not a symmetry of the room, because
 * unique ballots are ordered by node id (1.A < 1.B) and each node proposes its own values,
 * so two states that differ by a renaming can have different futures.
 *
 * Settings are not in the key: one search never changes them.
 *
 * With `KeyParts`, the keys of nodes, messages and tallies are computed once per object:
 * the explorer never changes a state once it has a key (see `successorState`), and
 * messages and tallies are never changed once made.
 */
import type { AcceptedValue, Ballot } from '../ballot';
import type { AcceptorState, Message, NodeState, ProposerState } from '../node';
import type { LearnerState } from '../programs/types';
import type { RoomState } from '../room';

const NODE_FIELDS: ReadonlySet<string> = new Set(['id', 'name', 'bot', 'up', 'proposer', 'acceptor', 'choice', 'heard', 'inbox']);
const PROPOSER_FIELDS: ReadonlySet<string> = new Set(['ballot', 'value', 'promisers', 'promiserAccMax', 'acceptors', 'sentValue', 'maxRound']);
const ACCEPTOR_FIELDS: ReadonlySet<string> = new Set(['promised', 'accepted']);

/**
 * Numbers for the parts of a key (a node's key, a message's, a tally's), so that a state's
 * key is a short list of numbers rather than a long text: shorter keys hash faster and
 * take less memory. Each search makes its own, so the numbers never outgrow one search.
 */
export class KeyParts {
  #numbers = new Map<string, number>();
  #byObject = new WeakMap<object, string>();

  /** The number of `text`, the same each time. */
  number(text: string): string {
    let n = this.#numbers.get(text);
    if (n === undefined) {
      n = this.#numbers.size;
      this.#numbers.set(text, n);
    }
    return n.toString(36);
  }

  /** The number of an object's key, computed once per object. */
  of<T extends object>(o: T, key: (o: T) => string): string {
    let n = this.#byObject.get(o);
    if (n === undefined) {
      n = this.number(key(o));
      this.#byObject.set(o, n);
    }
    return n;
  }
}

/** The canonical key of `state`; `extra` is the search's own bookkeeping that belongs to the state, sorted. */
export function stateKey(state: RoomState, extra: readonly string[] = [], parts: KeyParts | null = null): string {
  const part = <T extends object>(o: T, f: (o: T) => string) => (parts ? parts.of(o, f) : f(o));
  let key = '';
  for (const id of state.order) key += part(state.nodes[id]!, (n) => nodeKey(state, n)) + '\n';
  key += `m:${state.members.join(',')}|${state.round}|${state.fixed ? 1 : 0}${state.reconfigured ? 1 : 0}\n`;
  key += `n:${state.inFlight.map((msg) => part(msg, messageKey)).sort().join(';')}\n`;
  if (state.cut.length) key += `c:${state.cut.slice().sort().join(',')}\n`;
  const m = state.monitor;
  key += `p:${Object.keys(m.proposed).sort().join(',')}\n`;
  key += `t:${Object.keys(m.tallies).sort().map((k) => part(m.tallies[k]!, (t) => tallyKey(k, t))).join(';')}\n`;
  const learned = Object.keys(m.learned);
  if (learned.length) key += `l:${learned.sort().map((id) => `${id}=${m.learned[id]!.value}`).join(',')}\n`;
  if (m.violations.length) key += `v:${[...new Set(m.violations.map((v) => v.rule))].sort().join(',')}\n`;
  if (extra.length) key += `x:${extra.join(',')}`;
  return key;
}

/** One node: every field but its display name; sets sorted; the inbox as the held requests' contents. */
function nodeKey(state: RoomState, n: NodeState): string {
  const key =
    `${n.id}|${n.bot ? 1 : 0}${n.up ? 1 : 0}|${proposerKey(n.proposer)}|${acceptorKey(n.acceptor)}|` +
    `${n.inbox.map((id) => messageKey(state.held[id]!)).sort().join(';')}|${learnerKey(n)}`;
  return key + others(n, NODE_FIELDS);
}

/** A proposer's state as the key holds it: promisers and acceptors as sets. The compact search numbers proposer states by it. */
export function proposerKey(p: ProposerState): string {
  return (
    `${ballotKey(p.ballot)}|${p.value ?? '-'}|${p.promisers.slice().sort().join(',')}|${acceptedKey(p.promiserAccMax)}|` +
    `${p.acceptors.slice().sort().join(',')}|${p.sentValue ?? '-'}|${p.maxRound}${others(p, PROPOSER_FIELDS)}`
  );
}

/** An acceptor's state as the key holds it. */
export function acceptorKey(a: AcceptorState): string {
  return `${ballotKey(a.promised)}|${acceptedKey(a.accepted)}${others(a, ACCEPTOR_FIELDS)}`;
}

/** A learner's choice and its tallies, as sets. */
export function learnerKey(l: LearnerState): string {
  let key = `${l.choice ?? '-'}|`;
  for (const k of Object.keys(l.heard).sort()) key += `${k}=${l.heard[k]!.slice().sort().join(',')};`;
  return key;
}

/** The fields of `o` not named in `known`, as JSON. */
function others(o: object, known: ReadonlySet<string>): string {
  let key = '';
  for (const k in o) if (!known.has(k)) key += `|${k}=${JSON.stringify((o as Record<string, unknown>)[k])}`;
  return key;
}

function tallyKey(k: string, t: { readonly acceptors: readonly string[]; readonly chosen: boolean }): string {
  return `${k}=${t.acceptors.slice().sort().join(',')}${t.chosen ? '!' : ''}`;
}

export function ballotKey(b: Ballot | null | undefined): string {
  return b ? `${b.round}.${b.node ?? ''}` : '-';
}

function acceptedKey(a: AcceptedValue | null): string {
  return a ? `${ballotKey(a.ballot)}/${a.value}` : '-';
}

/** A message by its content, without its id. */
export function messageKey(m: Message): string {
  const head = `${m.kind}:${m.from}>${m.to}@${ballotKey(m.ballot)}`;
  let key: string;
  switch (m.kind) {
    case 'prepare':
      key = head;
      break;
    case 'accept':
    case 'accepted':
    case 'notice':
      key = `${head}=${m.value}`;
      break;
    case 'promise':
      key = `${head}=${acceptedKey(m.lastAccepted)}`;
      break;
    case 'reject':
      key = `${head}=${m.request}/${ballotKey(m.promised)}/${m.value ?? ''}`;
      break;
    default:
      // The explorer plays single-decree rooms only; a Multi-Paxos message is keyed by its whole content.
      key = `${head}=${JSON.stringify({ ...m, id: 0 })}`;
  }
  return key;
}
