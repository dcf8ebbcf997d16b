import type { BallotScheme } from './ballot';

/**
 * The rule-breaking modes. Each is off in a safe room; each teaches why one rule of
 * Paxos exists by letting a scenario break it and the safety monitor catch the result.
 */
export interface RuleModes {
  /** The proposer sends its own value even when a promiser reported an accepted one (breaks P2c). */
  readonly ignoreAcceptedValue: boolean;
  /** A proposer may send accept requests before a quorum of promises (breaks P2c). */
  readonly acceptWithoutQuorum: boolean;
  /** An acceptor keeps its state in memory only and forgets it when it crashes (breaks P1a). */
  readonly forgetOnCrash: boolean;
  /** When students answer for their acceptors, a promise-breaking answer goes through (breaks P1a). */
  readonly breakPromises: boolean;
  /**
   * Joins, removals and quorum changes take effect at once, even in the middle of a round.
   * Paxos assumes a fixed set of acceptors for the whole decision; changing it is
   * reconfiguration, a protocol of its own. Off, they wait for the next round.
   */
  readonly reconfigureMidRound: boolean;
  /**
   * Multi-Paxos only: a new leader ignores what its promisers accepted in each slot, so it
   * neither re-proposes half-accepted commands nor fills holes with them (breaks P2c per slot).
   */
  readonly skipRepropose: boolean;
}

export type RuleModeName = keyof RuleModes;

export const RULE_MODE_NAMES: readonly RuleModeName[] = [
  'ignoreAcceptedValue',
  'acceptWithoutQuorum',
  'forgetOnCrash',
  'breakPromises',
  'reconfigureMidRound',
  'skipRepropose',
];


export type DeliveryMode = 'instant' | 'queued';
export type AcceptorMode = 'rules' | 'students';
/**
 * Who learns that a value is chosen. `everyone`: an acceptor that accepts tells every node
 * of the room (Paxos Made Simple, section 2.3), and a node learns a value once a quorum of
 * acceptors has told it of one ballot. `proposer`: only the proposer learns, from its own
 * acceptances, as the notebook's PaxosNode does.
 */
export type LearnerMode = 'everyone' | 'proposer';
/**
 * `single`: one decision per round, as the notebook plays it. `multi`: Multi-Paxos, a log of
 * numbered slots with a leader and a replicated key-value store per node (shared/src/multi/).
 */
export type ProtocolMode = 'single' | 'multi';

/** Everything that changes how the room plays. */
/** A quorum size: a fixed number of nodes, or a majority of this round's acceptors. */
export type QuorumSize = number | 'majority';

export interface RoomSettings {
  /** Promises needed before accept requests (phase 1 quorum). */
  readonly q1: QuorumSize;
  /** Accepts needed for a value to be chosen (phase 2 quorum). */
  readonly q2: QuorumSize;
  readonly ballots: BallotScheme;
  /** `instant`: a request and its reply in one step, as the notebook does. `queued`: messages wait in flight. */
  readonly delivery: DeliveryMode;
  /** `rules`: the core answers for acceptors. `students`: requests wait in the acceptor's inbox. */
  readonly acceptorMode: AcceptorMode;
  readonly learners: LearnerMode;
  /** Single-decree Paxos (the default) or Multi-Paxos. */
  readonly protocol: ProtocolMode;
  readonly rules: RuleModes;
}

/** A change of settings: any subset, rule modes one by one. */
export type SettingsChange = Partial<Omit<RoomSettings, 'rules'>> & { readonly rules?: Partial<RuleModes> };

export const SAFE_RULES: RuleModes = {
  ignoreAcceptedValue: false,
  acceptWithoutQuorum: false,
  forgetOnCrash: false,
  breakPromises: false,
  reconfigureMidRound: false,
  skipRepropose: false,
};

/** The classroom's defaults: majority quorums, unique ballots, instant delivery, the core answers for acceptors, every node learns. */
export const DEFAULT_SETTINGS: RoomSettings = {
  q1: 'majority',
  q2: 'majority',
  ballots: 'unique',
  delivery: 'instant',
  acceptorMode: 'rules',
  learners: 'everyone',
  protocol: 'single',
  rules: SAFE_RULES,
};

/**
 * Settings as saved before a setting existed, completed with the value that matches how
 * they played then: logs saved before learners were told of acceptances replay with
 * `learners: 'proposer'`, so that every later event finds the messages it names; logs
 * saved before Multi-Paxos existed are single-decree rooms.
 */
export function completeSettings(s: RoomSettings): RoomSettings {
  if (s.learners !== undefined && s.protocol !== undefined) return s;
  return { ...s, learners: s.learners ?? 'proposer', protocol: s.protocol ?? 'single' };
}

export const QUORUM_MAX = 99;

/** The majority of `nodeCount` nodes: more than half. */
export function majority(nodeCount: number): number {
  return Math.floor(nodeCount / 2) + 1;
}

/** The size of quorum setting `q` among `nodeCount` acceptors. */
function quorumSize(q: QuorumSize, nodeCount: number): number {
  return q === 'majority' ? majority(nodeCount) : q;
}

/**
 * The quorum sizes in force for a room of `nodeCount` acceptors. Called for every learner
 * that hears of every acceptance: it makes no function per call (the server runs under
 * tsx, which names each function it makes, and that was a fifth of a large import's fold).
 */
export function quorumSizes(settings: RoomSettings, nodeCount: number): { q1: number; q2: number } {
  return { q1: quorumSize(settings.q1, nodeCount), q2: quorumSize(settings.q2, nodeCount) };
}

/** `3` or `majority (3)`: a quorum setting as people read it. */
export function formatQuorum(q: QuorumSize, nodeCount: number): string {
  return q === 'majority' ? `majority (${majority(nodeCount)})` : String(q);
}

/**
 * The settings in one line, as the scenario output's header and the Markdown export print
 * them: "Settings: q1 majority (2), q2 majority (2), ballots unique, delivery queued, ...".
 * `nodeCount` is the first round's acceptors, which a majority counts.
 */
export function settingsLine(s: RoomSettings, nodeCount: number): string {
  const rules = RULE_MODE_NAMES.filter((r) => s.rules[r]);
  return (
    `Settings: q1 ${formatQuorum(s.q1, nodeCount)}, q2 ${formatQuorum(s.q2, nodeCount)}, ballots ${s.ballots}, delivery ${s.delivery}, acceptors ${s.acceptorMode}, learners ${s.learners}` +
    (s.protocol === DEFAULT_SETTINGS.protocol ? '' : `, protocol ${s.protocol}`) +
    (rules.length ? `, rule-breaking ${rules.join(' ')}` : '')
  );
}
