/**
 * The safety monitor, per slot. Multi-Paxos is one instance of consensus per slot, so the
 * rules of Paxos Made Simple (section 2.1) hold in each slot: only a proposed command (or
 * a leader's no-op) may be chosen (validity), only one command per slot (agreement), and a
 * node learns only what was chosen (learning) and never changes it (stability). And one
 * that follows for the state machines (section 3): every node's applied sequence of
 * commands is a prefix of every other's (prefix).
 */
import { formatBallot, type Ballot } from '../ballot';
import type { Violation } from '../monitor';
import { slotTallyKey } from './programs';
import { NO_OP, type MultiMonitor, type MultiNodeState, type SlotChoice, type SlotTally } from './types';

type Names = (id: string) => string;

/** Notes a submitted command, for validity. */
export function recordCommand(m: MultiMonitor, command: string, seq: number): void {
  if (!(command in m.proposed)) m.proposed[command] = seq;
}

/** Notes that `acceptor` accepted `value` in `slot` and ballot `ballot`; checks validity and per-slot agreement when a quorum is reached. */
export function recordSlotAccept(
  m: MultiMonitor,
  violations: Violation[],
  acceptor: string,
  slot: number,
  ballot: Ballot,
  value: string,
  seq: number,
  q2: number,
  name: Names,
): void {
  const key = slotTallyKey(slot, ballot, value);
  const old = m.tallies[key];
  if (old?.acceptors.includes(acceptor)) return;
  const tally: SlotTally = old
    ? { ...old, acceptors: [...old.acceptors, acceptor], seqs: [...old.seqs, seq] }
    : { slot, ballot, value, acceptors: [acceptor], seqs: [seq], chosen: false };
  m.tallies[key] = tally;
  if (tally.chosen || tally.acceptors.length < q2) return;
  m.tallies[key] = { ...tally, chosen: true };
  const choice: SlotChoice = { slot, ballot, value, seq, seqs: tally.seqs.slice() };
  const b = formatBallot(ballot, name);
  if (value !== NO_OP && !(value in m.proposed)) {
    violations.push({
      rule: 'validity',
      message: `${value} was chosen in slot ${slot}, ballot ${b}, but no client ever sent ${value}: only a proposed command may be chosen (Paxos Made Simple, section 2.1).`,
      seqs: choice.seqs,
      seq,
    });
  }
  const conflict = m.chosen.find((c) => c.slot === slot && c.value !== value);
  if (conflict) {
    violations.push({
      rule: 'agreement',
      message:
        `Two different commands are chosen in slot ${slot}: ${conflict.value} in ballot ${formatBallot(conflict.ballot, name)} and ${value} in ballot ${b}. ` +
        `Each slot is one instance of Paxos, and only a single value may be chosen in it (Paxos Made Simple, sections 2.1 and 3).`,
      seqs: [...new Set([...conflict.seqs, ...choice.seqs])].sort((x, y) => x - y),
      seq,
    });
  }
  m.chosen.push(choice);
}

/** Checks a node's learning of `value` in `slot`: it must have been chosen there, and differ from nothing learned before. */
export function checkSlotLearned(m: MultiMonitor, violations: Violation[], who: string, slot: number, value: string, before: string | undefined, seq: number): void {
  if (!m.chosen.some((c) => c.slot === slot && c.value === value)) {
    violations.push({
      rule: 'learning',
      message: `${who} learns that ${value} is chosen in slot ${slot}, but no quorum of acceptors has accepted it there in one ballot: a node must never learn that a value has been chosen unless it actually has been (Paxos Made Simple, section 2.1).`,
      seqs: [seq],
      seq,
      learners: [who],
    });
  }
  if (before !== undefined && before !== value) {
    violations.push({
      rule: 'stability',
      message: `${who} had learned ${before} in slot ${slot} and now hears that ${value} is chosen there: a learned choice must never change (toy-paxos's own check; it follows from agreement). It keeps ${before}, which its state machine may already have run.`,
      seqs: [seq],
      seq,
      learners: [who],
    });
  }
}

/**
 * Node `id` has just run slot `slot`: every other node that has run that slot must have run
 * the same command there, or their applied sequences are no longer prefixes of each other.
 */
export function checkPrefix(violations: Violation[], nodes: Readonly<Record<string, MultiNodeState>>, id: string, slot: number, seq: number, name: Names): void {
  const mine = nodes[id]!.learned[slot]!;
  const others = Object.keys(nodes).filter((o) => o !== id && nodes[o]!.applied >= slot && nodes[o]!.learned[slot] !== mine);
  if (others.length === 0) return;
  const theirs = [...new Set(others.map((o) => nodes[o]!.learned[slot]!))];
  violations.push({
    rule: 'prefix',
    message:
      `${name(id)} runs ${mine} in slot ${slot}, but ${others.map(name).join(', ')} ran ${theirs.join(' and ')} there: ` +
      `the nodes' applied sequences of commands are no longer prefixes of one another, so their key-value stores disagree for good (Paxos Made Simple, section 3).`,
    seqs: [seq],
    seq,
    learners: [name(id), ...others.map(name)],
  });
}
