/**
 * A lesson's step in plain English, for a reader who has never seen the notebook's notation
 * or a scenario script: what a check (`expect`) found, what the notation a step shows means,
 * and why an accept request's notebook line names a value other than the one it carries.
 */
import type { Annotation } from '../annotate';
import { sameBallot } from '../ballot';
import { PAXOS_TERMS } from '../glossary';
import { nameList } from '../message-label';
import { nameOf, type RoomState } from '../room';
import type { Expectation } from './parse';

const BROKEN: Record<Extract<Expectation, { kind: 'violation' }>['rule'], string> = {
  agreement: 'two different values are chosen (agreement)',
  validity: 'a value nobody proposed is chosen (validity)',
  learning: 'a node learned a value that was not chosen (learning)',
  stability: "a node's learned value changed (stability)",
  prefix: 'two nodes ran different commands in one slot (prefix)',
};

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a scenario's check says holds, as a sentence a newcomer reads (the scenario line stays in the step's status). */
export function describeExpectation(x: Expectation): string {
  switch (x.kind) {
    case 'chosen':
      return x.value === null
        ? 'Nothing is chosen yet: no quorum of acceptors has accepted one value in one ballot.'
        : `${x.value} is chosen, and no other value: a quorum of acceptors accepted it in one ballot.`;
    case 'choice':
      return x.value === null ? `${x.node} has learned nothing yet.` : `${x.node} has learned that ${x.value} is chosen.`;
    case 'violation':
      return `The safety monitor caught a broken rule: ${BROKEN[x.rule]}.`;
    case 'safe':
      return 'The safety monitor saw no safety rule broken.';
    case 'refused':
      return `The step before was refused${x.code ? ` (${x.code})` : ''}: the rules forbid it, so it changed nothing.`;
    case 'in-flight':
      return x.count === 0 ? 'No message is left in the network.' : `${count(x.count, 'message waits', 'messages wait')} in the network.`;
    case 'promisers':
      return `${x.node}'s proposal has ${count(x.count, 'promise', 'promises')}.`;
    case 'acceptors':
      return `${x.node}'s proposal has ${count(x.count, 'acceptance', 'acceptances')}.`;
    case 'answer':
      return `The right answer is: ${x.text}.`;
    case 'slot':
      return x.value === null ? `Nothing is chosen in slot ${x.slot} yet.` : `${x.value} is chosen in slot ${x.slot}, and no other command.`;
    case 'applied':
      return `${x.node}'s state machine has run ${x.count === 0 ? 'no slot yet' : x.count === 1 ? 'slot 1' : `slots 1 to ${x.count}`}.`;
    case 'kv':
      return x.value === null ? `${x.key} is not set in ${x.node}'s key-value store.` : `In ${x.node}'s key-value store, ${x.key} = ${x.value}.`;
  }
}

/**
 * The notation a lesson's lines use that a newcomer cannot read unexplained, each with what it
 * means. P1a and P2c are the rules' names in Paxos Made Simple (glossary.ts).
 */
export const NOTATION = {
  acc_p: 'the highest ballot this acceptor has promised: it refuses a request with a lower ballot and answers one at least as high.',
  Q1: 'the promise quorum (q1, the quorum_size of a promise): how many promises a proposer needs before it may send accept requests.',
  Q2: 'the accept quorum (q2, the quorum_size of an acceptance): how many acceptors must accept one ballot for its value to be chosen.',
  P1a: PAXOS_TERMS.P1a,
  P2c: PAXOS_TERMS.P2c,
  slot: 'a numbered place in the Multi-Paxos log. Each slot is a Paxos decision of its own, and every node runs the chosen commands in slot order; from_slot is the first slot a leader asks promises for.',
} as const;

export type NotationTerm = keyof typeof NOTATION;

const NOTATION_PATTERNS: Record<NotationTerm, RegExp> = {
  acc_p: /\bacc_p\b/,
  Q1: /\b[Qq]1\b/,
  Q2: /\b[Qq]2\b/,
  P1a: /\bP1a\b/,
  P2c: /\bP2c\b/,
  slot: /\bslots?\b|\bfrom_slot\b/,
};

/** The notation `text` uses, in the order of `NOTATION`. */
export function notationIn(text: string): NotationTerm[] {
  return (Object.keys(NOTATION) as NotationTerm[]).filter((t) => NOTATION_PATTERNS[t].test(text));
}

const ACCEPT_HEAD = /^ACCEPT {2}Request from (.+?)\(p: [^,]+, val: (.+?), promiser_acc_max: (.+?)\) to /;

/**
 * Why an accept request's notebook line reads as it does, when it names a value other than the
 * one the request carries: the notebook prints the proposer's own `val` beside
 * `promiser_acc_max`, and sends the latter. Null when the line names the value it carries.
 * `before` is the room just before the entry's event.
 */
export function entryReading(before: RoomState, entry: Annotation): string | null {
  const head = ACCEPT_HEAD.exec(entry.lines[0] ?? '');
  const carried = entry.data.value;
  if (!head || carried === null || head[2] === carried) return null;
  const [, who, own, max] = head;
  const p = entry.data.node ? before.nodes[entry.data.node]?.proposer : undefined;
  const acc = p?.promiserAccMax;
  const ids = acc ? p!.promisers.filter((id) => {
    const a = before.nodes[id]?.acceptor.accepted;
    return a && sameBallot(a.ballot, acc.ballot) && a.value === acc.value;
  }) : [];
  const reporters = ids.length ? nameList(ids.map((id) => nameOf(before, id))) : 'its promisers';
  const proposed = own === 'None' ? `${who} has no value of its own (val: None)` : `${who} proposed ${own} (val)`;
  return max === carried
    ? `${proposed} but must carry ${carried}, the value ${reporters} reported (promiser_acc_max): the request carries ${carried}.`
    : `${proposed}, but this ballot already sent ${carried}, and one ballot carries one value: the request carries ${carried}.`;
}
