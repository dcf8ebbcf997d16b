/**
 * A lesson's step in plain English, for a reader who has never seen the notebook's notation
 * or a scenario script: what a check (`expect`) found, what the notation a step shows means,
 * and why an accept request's notebook line names a value other than the one it carries.
 */
import type { Annotation } from '../annotate';
import { sameBallot } from '../ballot';
import { PAXOS_TERMS } from '../glossary';
import { nameList, scopeLabel } from '../message-label';
import { nameOf, type RoomCommand, type RoomState, type Target } from '../room';
import type { Expectation, MessageRef, ScenarioStep } from './parse';
import type { StepOutcome } from './run';

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
      return 'The step before was refused: the rules forbid it, so it changed nothing.';
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

function targets(to: Target, one: string, many: string): string {
  return to === 'all' ? `every acceptor ${many}` : `${nameList(to)} ${to.length === 1 ? one : many}`;
}

function commandWords(c: RoomCommand): string {
  switch (c.type) {
    case 'addNode':
      return `${c.name ?? c.node} joins`;
    case 'addNodes':
      return c.nodes.length === 1 ? `${c.nodes[0]!.name ?? c.nodes[0]!.node} joins` : `${nameList(c.nodes.map((n) => n.name ?? n.node))} join`;
    case 'removeNode':
      return `${c.node} leaves`;
    case 'renameNode':
      return `${c.node} is renamed ${c.name}`;
    case 'changeSettings':
      return "The room's settings change";
    case 'newRound':
      return 'A new round starts';
    case 'propose':
      return c.value ? `${c.node} starts a proposal with ${c.value}` : `${c.node} starts a new proposal`;
    case 'promiseRequest':
      return `${c.from} asks ${targets(c.to, 'for a promise', 'for promises')}`.replace('asks every acceptor for promises', 'asks every acceptor for a promise');
    case 'acceptRequest':
      return `${c.from} asks ${c.to === 'all' ? 'every acceptor' : nameList(c.to)} to accept${c.slot !== undefined ? ` in slot ${c.slot}` : ''}`;
    case 'lead':
      return `${c.node} sets out to lead, with a new ballot`;
    case 'submit':
      return `${c.node}'s client sends the command ${c.command}`;
    case 'deliver':
      return `Message #${c.id} arrives`;
    case 'drop':
      return `Message #${c.id} is lost`;
    case 'duplicate':
      return `Message #${c.id} is copied`;
    case 'answer':
      return `${c.node} ${c.yes ? 'says yes to' : 'says no to'} request #${c.id}`;
    case 'crash':
      return `${c.node} crashes`;
    case 'recover':
      return `${c.node} comes back`;
    case 'setOwnProgram':
      return c.status === 'running' ? `${c.node}'s own program answers for it` : c.status === 'failed' ? `${c.node}'s own program fails` : `${c.node} is answered by hand again`;
    case 'cut':
      return `The link between ${c.a} and ${c.b} is cut`;
    case 'heal':
      return `The link between ${c.a} and ${c.b} is mended`;
    case 'deliverAll':
      return `Every message in flight${scope(c.from, c.to)} arrives`;
    case 'dropAll':
      return `Every message in flight${scope(c.from, c.to)} is lost`;
    case 'partition':
      return `The network splits into ${c.groups.map((g) => nameList(g)).join(' | ')}`;
    case 'healAll':
      return 'Every cut link is mended';
    case 'openCheckpoint':
      return 'A question opens';
    case 'closeCheckpoint':
      return 'The question closes';
    case 'revealCheckpoint':
      return 'The answer is revealed';
  }
}

function scope(from: string | undefined, to: string | undefined): string {
  const s = scopeLabel((id) => id, from, to);
  return s ? ` ${s}` : '';
}

function messageWords(action: 'deliver' | 'drop' | 'duplicate', ref: MessageRef): string {
  const verb = { deliver: 'arrives', drop: 'is lost', duplicate: 'is copied' }[action];
  if (ref.by === 'id') return `Message #${ref.id} ${verb}`;
  if (ref.by === 'route') return `The message from ${ref.from} to ${ref.to} ${verb}`;
  return `Every message in flight${scope(ref.from, ref.to)} ${{ deliver: 'arrives', drop: 'is lost', duplicate: 'is copied' }[action]}`;
}

/** What one script line does, as a sentence a newcomer reads (`accept C -> all` is "C asks every acceptor to accept"). */
export function describeStep(step: ScenarioStep): string {
  switch (step.kind) {
    case 'command':
      return commandWords(step.command);
    case 'network':
      return messageWords(step.action, step.ref);
    case 'settle':
      return 'Every message in flight arrives, and the answers too';
    case 'answer':
      return `${step.node} ${step.yes ? 'says yes to' : 'says no to'} ${step.id === null ? 'the oldest request in its inbox' : `request #${step.id}`}`;
    case 'partition':
      return `The network splits into ${step.groups.map((g) => nameList(g)).join(' | ')}`;
    case 'healAll':
      return 'Every cut link is mended';
    case 'run':
      return `Time passes: ${step.ms % 1000 === 0 ? `${step.ms / 1000} s` : `${step.ms} ms`}`;
    case 'ask':
      return 'A question for you';
    case 'reveal':
      return 'The answer';
    case 'expect':
      return 'What holds now';
  }
}

/** A step's headline: what its script lines do, in words, each once (a run of checks reads as one). */
export function stepHeadline(outcomes: readonly StepOutcome[]): string {
  const lines = new Map<number, ScenarioStep[]>();
  for (const o of outcomes) lines.set(o.step.line, [...(lines.get(o.step.line) ?? []).filter((s) => s !== o.step), o.step]);
  return [...new Set([...lines.values()].map(lineWords))].join('; ');
}

/** One script line in words: `nodes A B C` makes a step per node, said as one. */
function lineWords(steps: readonly ScenarioStep[]): string {
  const joined = steps.flatMap((s) => (s.kind === 'command' && s.command.type === 'addNode' ? [s.command.name ?? s.command.node] : []));
  if (joined.length === steps.length && joined.length > 1) return `${nameList(joined)} join`;
  return [...new Set(steps.map(describeStep))].join('; ');
}

/**
 * The notation a lesson's lines use that a newcomer cannot read unexplained, each with what it
 * means. P1a and P2c are the rules' names in Paxos Made Simple (glossary.ts).
 */
export const NOTATION = {
  quorum: 'how many acceptors must answer yes: more than half of them (a majority) unless the lesson sets other sizes. Two majorities always share an acceptor; with other sizes, every promise quorum must still share one with every accept quorum (Q1 + Q2 > N).',
  ballot: 'a ballot "1.A" is round 1 of proposer A: a higher round wins, and in the same round the name later in the alphabet wins, so 1.C is higher than 1.A. No two proposers share one.',
  promised: 'the highest ballot this acceptor has promised (the notebook calls it acc_p): it refuses a request with a lower ballot and answers one at least as high. A promise accepts nothing.',
  acc_p: 'the highest ballot this acceptor has promised (the ring says "promised"): it refuses a request with a lower ballot and answers one at least as high. A promise accepts nothing.',
  promiser_acc_max: 'the value its promisers reported accepted in the highest ballot, or None when none of them reported one.',
  tags: 'in the log, [ACC] is an acceptor saying yes (to a promise request, a promise; to an accept request, an acceptance) and [REJ] saying no; [TELL] an acceptor telling another node what it accepted; [LEARN] a node learning the chosen value; [APPLY] a node running a chosen command; [SENT], [WAIT] and [LOST] a message sent, waiting, or lost in the network.',
  Q1: 'the promise quorum (q1, the quorum_size of a promise): how many promises a proposer needs before it may send accept requests.',
  Q2: 'the accept quorum (q2, the quorum_size of an acceptance): how many acceptors must accept one ballot for its value to be chosen.',
  P1a: PAXOS_TERMS.P1a,
  P2c: PAXOS_TERMS.P2c,
  'phase 1': 'the promise requests and promises; phase 2 is the accept requests and acceptances.',
  livelock: 'nodes keep busy, but make no progress: nothing is ever chosen, though no rule is broken.',
  'half-accepted': 'accepted by some acceptors in a slot, but not by a quorum: not chosen yet, as far as anyone can tell.',
  'state machine': 'the program each node runs the chosen commands on, in slot order: here a key-value store, where set x 3 sets key x to 3.',
  N: 'the number of acceptors.',
  slot: 'a numbered place in the Multi-Paxos log. Each slot is a Paxos decision of its own, and every node runs the chosen commands in slot order; from_slot is the first slot a leader asks promises for.',
} as const;

export type NotationTerm = keyof typeof NOTATION;

const NOTATION_PATTERNS: Record<NotationTerm, RegExp> = {
  quorum: /\bquorums?\b|\bquorum_size\b/,
  ballot: /\b\d+\.[A-Za-z]/,
  promised: /\bpromised \d/,
  acc_p: /\bacc_p\b/,
  promiser_acc_max: /\bpromiser_acc_max\b/,
  tags: /\[(TELL|LEARN|APPLY|PROM|ACC|REJ|SENT|WAIT|LOST)\]/,
  'phase 1': /\bphase [12]\b/,
  livelock: /\blivelock\b/,
  'half-accepted': /\bhalf-accepted\b/,
  'state machine': /\bstate machine\b|\bkey-value store\b/,
  N: /\bN = \d/,
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
