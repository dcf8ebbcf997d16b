/**
 * What an entry's classic lines (the notebook's format, SEED.md) show changing, and whether
 * its "Why" says so. The lines are read as a learner reads them, against the room before
 * the event: a summary `B(acceptors: 1, quorum_size: 2, choice: Mango)` whose choice was
 * None before shows B learning Mango, and the explanation must say that B learns Mango.
 * The claims:
 * - learned: a node's `choice` (or a slot's) becomes a value, in a summary, a `[TELL]` or a `[LEARN]` line;
 * - adopted: a proposer's `promiser_acc_max` (or a slot's) becomes a value, the one it must propose unless it sent one already;
 * - quorum: a count (`promisers`, `acceptors`, `heard`) reaches its `quorum_size`;
 * - carries: a promise carries a value back (`last_accepted(1.A, Mango)`).
 * Names must be words (Ann, Bob...), so that finding a name in a sentence means something.
 */
import { multiNodeOf, slotTallyKey, tallyKey, type Annotation, type Ballot, type RoomState } from '@toy-paxos/shared';

export type Claim =
  | { readonly kind: 'learned'; readonly node: string; readonly value: string }
  | { readonly kind: 'adopted'; readonly node: string; readonly value: string }
  | { readonly kind: 'quorum'; readonly node: string; readonly what: string }
  | { readonly kind: 'carries'; readonly value: string };

/** A claim as a sentence, for a failure message. */
export function claimText(c: Claim): string {
  switch (c.kind) {
    case 'learned':
      return `${c.node} learns ${c.value}`;
    case 'adopted':
      return `${c.node}'s promisers now report ${c.value}`;
    case 'quorum':
      return `${c.node} reaches a quorum of ${c.what}`;
    case 'carries':
      return `a promise carries ${c.value}`;
  }
}

const INDENT = '    > ';

/** The changes `entry`'s lines show, read against `before` (the room before its event). */
export function lineClaims(entry: Pick<Annotation, 'lines'>, before: RoomState): Claim[] {
  const known = new Known(before);
  const claims: Claim[] = [];
  const add = (c: Claim) => {
    if (!claims.some((x) => claimText(x) === claimText(c))) claims.push(c);
  };
  // The slot of the last Multi-Paxos message line, for a notice's summary.
  let slot: number | null = null;
  for (const raw of entry.lines) {
    const line = raw.startsWith(INDENT) ? raw.slice(INDENT.length) : raw;
    const head = /^LEARN {3}Notice from \S+ to \S+\(slot: (\d+), /.exec(line);
    if (head) slot = Number(head[1]);
    else if (!raw.startsWith(INDENT)) slot = null;

    const carried = /\[ACC\] Promise\([^,]+, last_accepted\((.+?)\)\)/.exec(line);
    if (carried) {
      for (const part of carried[1]!.split('; ')) {
        const value = /^(?:slot \d+: )?[^,]+, (.+)$/.exec(part)?.[1];
        if (value) add({ kind: 'carries', value });
      }
    }

    const promisers = /(\S+)\(promisers: (\d+), quorum_size: (\d+), promiser_acc_max: (.*)\)$/.exec(line);
    if (promisers) {
      const [, node, n, q, max] = promisers as unknown as [string, string, string, string, string];
      if (known.crosses(`${node}|promisers`, Number(n), Number(q))) add({ kind: 'quorum', node, what: 'promises' });
      if (max !== 'None') {
        // Multi-Paxos: `slot 2: set x 3; slot 3: get x`; single-decree: one value.
        const bySlot = /^slot \d+: /.test(max) ? max.split('; ').map((p) => /^slot (\d+): (.+)$/.exec(p)!) .map((m) => [m[1]!, m[2]!] as const) : [['', max] as const];
        for (const [s, value] of bySlot) if (known.changes(`${node}|max|${s}`, value)) add({ kind: 'adopted', node, value });
      }
    }

    const acceptors = /(\S+)\(acceptors: (\d+), quorum_size: (\d+), (?:slot: (\d+), )?choice: (.*)\)$/.exec(line);
    if (acceptors) {
      const [, node, n, q, s, choice] = acceptors as unknown as [string, string, string, string, string | undefined, string];
      if (known.crosses(`${node}|acceptors|${s ?? ''}`, Number(n), Number(q))) add({ kind: 'quorum', node, what: 'acceptances' });
      if (choice !== 'None' && known.changes(`${node}|choice|${s ?? ''}`, choice)) add({ kind: 'learned', node, value: choice });
    }

    const heard = /\[ACC\] Accept\(([^,]+), (?:slot: (\d+), )?(.+)\), (\S+)\(heard: (\d+), quorum_size: (\d+), choice: (.*)\)$/.exec(line);
    if (heard) {
      const [, ballot, s, value, node, n, q, choice] = heard as unknown as [string, string, string | undefined, string, string, string, string, string];
      if (known.crosses(`${node}|heard|${s ?? ''}|${ballot}|${value}`, Number(n), Number(q))) add({ kind: 'quorum', node, what: 'acceptances heard' });
      if (choice !== 'None' && known.changes(`${node}|choice|${s ?? slot ?? ''}`, choice)) add({ kind: 'learned', node, value: choice });
    }

    const told = /^\[TELL\] (.*)$/.exec(line);
    if (told) {
      for (const part of told[1]!.split('; ')) {
        const learn = /^(.+?) learns? (.+)$/.exec(part);
        if (!learn) continue;
        for (const node of namesOf(learn[1]!)) if (known.changes(`${node}|choice|`, learn[2]!)) add({ kind: 'learned', node, value: learn[2]! });
      }
    }

    const learnedSlot = /^\[LEARN\] (.+?) learns? slot (\d+): (.+)$/.exec(line);
    if (learnedSlot) {
      for (const node of namesOf(learnedSlot[1]!)) if (known.changes(`${node}|choice|${learnedSlot[2]}`, learnedSlot[3]!)) add({ kind: 'learned', node, value: learnedSlot[3]! });
    }
  }
  return claims;
}

/** `Ann, Bob and Cat` or `Ann, Bob` as names; a list cut short (`and 3 more`) gives the names it shows. */
function namesOf(list: string): string[] {
  return list
    .split(/, | and /)
    .filter((x) => !/^\d+ more$/.test(x));
}

/** What the room showed of each node before the event, updated by each line as the entry goes on. */
class Known {
  readonly #values = new Map<string, string>();
  readonly #counts = new Map<string, number>();
  constructor(readonly before: RoomState) {}

  /** Whether a line showing `value` for `key` shows a change; remembers it. */
  changes(key: string, value: string): boolean {
    const was = this.#values.has(key) ? this.#values.get(key)! : this.#initialValue(key);
    this.#values.set(key, value);
    return was !== value;
  }

  /** Whether a line showing count `n` of quorum `q` for `key` shows the count reaching the quorum; remembers it. */
  crosses(key: string, n: number, q: number): boolean {
    const was = this.#counts.has(key) ? this.#counts.get(key)! : this.#initialCount(key);
    // A Multi-Paxos summary of a stale reply shows 0: it says nothing of the leader's count.
    if (n > 0) this.#counts.set(key, n);
    return was < q && n >= q;
  }

  #initialValue(key: string): string {
    const [node, what, slot] = key.split('|') as [string, string, string];
    const s = this.before;
    if (!s.nodes[node]) return 'None';
    if (s.multi) {
      const m = multiNodeOf(s.multi, node);
      if (what === 'choice') return m.learned[Number(slot)] ?? 'None';
      return m.leader?.reported[Number(slot)]?.value ?? 'None';
    }
    const n = s.nodes[node]!;
    if (what === 'choice') return n.choice ?? 'None';
    return n.proposer.promiserAccMax?.value ?? 'None';
  }

  #initialCount(key: string): number {
    const [node, what, slot, ballot, value] = key.split('|') as [string, string, string, string, string];
    const s = this.before;
    if (!s.nodes[node]) return 0;
    if (s.multi) {
      const m = multiNodeOf(s.multi, node);
      if (what === 'promisers') return m.leader?.promisers.length ?? 0;
      if (what === 'acceptors') return m.leader?.acceptors[Number(slot)]?.length ?? 0;
      return m.heard[slotTallyKey(Number(slot), parseBallot(ballot), value)]?.length ?? 0;
    }
    const n = s.nodes[node]!;
    if (what === 'promisers') return n.proposer.promisers.length;
    if (what === 'acceptors') return n.proposer.acceptors.length;
    return n.heard[tallyKey(parseBallot(ballot), value)]?.length ?? 0;
  }
}

/** `1.Ann` or `3` as a ballot (names are ids in these rooms). */
function parseBallot(text: string): Ballot {
  const [round, node] = text.split('.');
  return node === undefined ? { round: Number(round) } : { round: Number(round), node };
}

/** The sentences of an explanation: a ballot's dot (`1.Ann`) does not end one. */
export function sentencesOf(explanation: string): string[] {
  return explanation.split(/(?<=[.!?])\s+(?=[A-Z#(])/);
}

function hasWord(sentence: string, word: string): boolean {
  return new RegExp(`(^|[^\\w])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).test(sentence);
}

/** Whether some sentence of `explanation` says what `claim` says. */
export function explains(explanation: string, claim: Claim): boolean {
  return sentencesOf(explanation).some((s) => {
    switch (claim.kind) {
      case 'learned':
        return hasWord(s, claim.node) && /\blearns?\b/.test(s) && s.includes(claim.value);
      case 'adopted':
        return hasWord(s, claim.node) && /promiser|propose/.test(s) && s.includes(claim.value);
      case 'quorum':
        return hasWord(s, claim.node) && /\bquorum\b/i.test(s);
      case 'carries':
        return /\bcarr(y|ies)\b/.test(s) && s.includes(claim.value);
    }
  });
}

/** The changes `entry`'s lines show that its explanation does not mention. */
export function unexplained(entry: Pick<Annotation, 'lines' | 'explanation'>, before: RoomState): Claim[] {
  return lineClaims(entry, before).filter((c) => !explains(entry.explanation, c));
}
