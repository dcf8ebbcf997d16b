/**
 * The lessons of the rule-breaking modes, and the warnings about settings that make a
 * room unsafe or stuck. Kept apart from settings.ts so that a page which only follows a
 * room does not download the lesson texts.
 */
import { quorumSizes, RULE_MODE_NAMES, type RoomSettings, type RuleModeName } from './settings';

/** The one-sentence lesson of every rule-breaking mode, including the ballot scheme and quorum sizes. */
export const LESSONS = {
  plainBallots:
    'Two proposers that share a ballot number look like one to an acceptor, so both can win: proposal numbers must be unique.',
  ignoreAcceptedValue:
    'A proposer must carry the highest-ballot value its promisers accepted, or it can overwrite a value that was already chosen.',
  acceptWithoutQuorum:
    'Without a quorum of promises the proposer cannot know what may already be chosen, so it may propose a conflicting value.',
  forgetOnCrash:
    'An acceptor must write its promises and accepted value to stable storage, or a restart lets it break its word.',
  breakPromises:
    'An acceptor that answers a ballot lower than its promise breaks the guarantee every later proposer relies on.',
  reconfigureMidRound:
    'Paxos decides among a fixed set of acceptors: a node that joins, or a quorum that changes, in the middle of a decision can make a quorum that misses the one that chose, so changing the acceptors needs a protocol of its own (reconfiguration).',
  skipRepropose:
    'In Multi-Paxos a new leader must re-propose, in every slot from its phase 1 on, the highest-ballot command its promisers accepted, or it can put a different command in a slot that already chose one.',
  smallQuorums:
    'If a promise quorum (Q1) and an accept quorum (Q2) can miss each other (Q1 + Q2 <= N), two values can be chosen.',
} as const;

export type LessonName = keyof typeof LESSONS;

/** A warning about settings that make the room unsafe or stuck; shown beside the settings. */
export interface SettingsWarning {
  readonly code: 'quorums-may-not-intersect' | 'quorum-unreachable' | 'plain-ballots' | RuleModeName;
  readonly message: string;
}

/** Lists what is unsafe or unreachable about `settings` for a room of `nodeCount` acceptors. */
export function settingsWarnings(settings: RoomSettings, nodeCount: number): SettingsWarning[] {
  const warnings: SettingsWarning[] = [];
  const { q1, q2 } = quorumSizes(settings, nodeCount);
  if (nodeCount > 0 && q1 + q2 <= nodeCount) {
    warnings.push({
      code: 'quorums-may-not-intersect',
      message: `Q1 + Q2 = ${q1} + ${q2} = ${q1 + q2} <= N = ${nodeCount}: a promise quorum and an accept quorum may share no acceptor. ${LESSONS.smallQuorums}`,
    });
  }
  if (nodeCount > 0 && Math.max(q1, q2) > nodeCount) {
    warnings.push({
      code: 'quorum-unreachable',
      message: `A quorum of ${Math.max(q1, q2)} is more than the ${nodeCount} nodes in the room: no proposal can succeed until more nodes join.`,
    });
  }
  if (settings.ballots === 'plain') {
    warnings.push({ code: 'plain-ballots', message: LESSONS.plainBallots });
  }
  for (const name of RULE_MODE_NAMES) {
    if (settings.rules[name]) warnings.push({ code: name, message: LESSONS[name] });
  }
  return warnings;
}
