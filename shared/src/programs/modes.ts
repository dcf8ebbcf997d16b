/**
 * The rule-breaking modes as programs. Each is the honest program of its role with one
 * function replaced, named for the rule it breaks; a room with several modes on runs
 * programs with each of their functions replaced (no two modes replace the same one).
 */
import { HONEST, honestAcceptor, honestProposer } from './honest';
import type { AcceptorProgram, NodePrograms, ProposerProgram } from './types';

/**
 * The rule-breaking modes that change what a node does, by their names in the room's settings
 * (settings.ts `RuleModes`). Named here, not imported: programs sit below the room's data.
 */
export type NodeRuleName = 'ignoreAcceptedValue' | 'acceptWithoutQuorum' | 'forgetOnCrash' | 'breakPromises';

/** Which node rules are on: a room's `RuleModes` is one. */
export type NodeRules = Readonly<Record<NodeRuleName, boolean>>;

/** One rule broken: which role breaks it, the program's name, and the one function it replaces. */
type RuleBreak =
  | { readonly role: 'acceptor'; readonly name: string; readonly replaces: Partial<AcceptorProgram> }
  | { readonly role: 'proposer'; readonly name: string; readonly replaces: Partial<ProposerProgram> };

/** The node behaviour of each single-decree rule-breaking mode; reconfiguring is the room's, and Multi-Paxos's modes are its programs' (multi/programs.ts). */
export const RULE_BREAKS: Readonly<Record<NodeRuleName, RuleBreak>> = {
  // P2c: the proposer sends its own value even when a promiser reported an accepted one.
  ignoreAcceptedValue: {
    role: 'proposer',
    name: 'proposerIgnoringAcceptedValue',
    replaces: { valueToPropose: (state) => state.sentValue ?? state.value },
  },
  // P2c: accept requests go out before a quorum of promises has told the proposer what may be chosen.
  acceptWithoutQuorum: { role: 'proposer', name: 'proposerSkippingPromiseQuorum', replaces: { readyToAccept: () => true } },
  // P1a: the acceptor keeps its promise and acceptance in memory only, and a crash wipes them.
  forgetOnCrash: { role: 'acceptor', name: 'acceptorForgettingOnCrash', replaces: { onCrash: () => honestAcceptor.init() } },
  // P1a: a student who answers for the acceptor may say yes to a ballot below its promise.
  breakPromises: { role: 'acceptor', name: 'acceptorIgnoringPromise', replaces: { mayAnswerYes: () => true } },
};

/** The acceptor that breaks `rule`: the honest acceptor with one function replaced. */
export function acceptorBreaking(rule: NodeRuleName): AcceptorProgram {
  const b = RULE_BREAKS[rule];
  if (b.role !== 'acceptor') throw new Error(`${rule} is a proposer's rule`);
  return { ...honestAcceptor, ...b.replaces, name: b.name };
}

/** The proposer that breaks `rule`: the honest proposer with one function replaced. */
export function proposerBreaking(rule: NodeRuleName): ProposerProgram {
  const b = RULE_BREAKS[rule];
  if (b.role !== 'proposer') throw new Error(`${rule} is an acceptor's rule`);
  return { ...honestProposer, ...b.replaces, name: b.name };
}

export const acceptorIgnoringPromise = acceptorBreaking('breakPromises');
export const acceptorForgettingOnCrash = acceptorBreaking('forgetOnCrash');
export const proposerIgnoringAcceptedValue = proposerBreaking('ignoreAcceptedValue');
export const proposerSkippingPromiseQuorum = proposerBreaking('acceptWithoutQuorum');

/**
 * A lookup of programs by which rules are on: `make` builds the programs of the rules on (in
 * the order of `rules`), once for each combination, and the lookup keeps the rules object it
 * was asked for last with its programs, since a room asks with the same settings at every
 * event it folds.
 */
export function programsByRules<Rule extends string, Programs>(
  rules: readonly Rule[],
  honest: Programs,
  make: (on: readonly Rule[]) => Programs,
): (asked: Readonly<Record<Rule, boolean>>) => Programs {
  const made: (Programs | undefined)[] = [];
  let last: { readonly asked: Readonly<Record<Rule, boolean>> | null; readonly programs: Programs } = { asked: null, programs: honest };
  return (asked) => {
    if (asked === last.asked) return last.programs;
    let mask = 0;
    for (let i = 0; i < rules.length; i++) if (asked[rules[i]!]) mask |= 1 << i;
    const programs = mask === 0 ? honest : (made[mask] ??= make(rules.filter((_, i) => mask & (1 << i))));
    last = { asked, programs };
    return programs;
  };
}

/**
 * The programs every node of a room with these modes runs: the honest ones with each mode's
 * function in place. The room asks for them at each reply it folds, so they are made once.
 */
export const programsForRules: (rules: NodeRules) => NodePrograms = programsByRules(Object.keys(RULE_BREAKS) as NodeRuleName[], HONEST, (rules) => {
  const on = rules.map((r) => RULE_BREAKS[r]);
  const named = (role: string, honest: string) => on.filter((b) => b.role === role).map((b) => b.name).join(' + ') || honest;
  let acceptor: AcceptorProgram = { ...honestAcceptor, name: named('acceptor', honestAcceptor.name) };
  let proposer: ProposerProgram = { ...honestProposer, name: named('proposer', honestProposer.name) };
  for (const b of on) {
    if (b.role === 'acceptor') acceptor = { ...acceptor, ...b.replaces };
    else proposer = { ...proposer, ...b.replaces };
  }
  return { proposer, acceptor, learner: HONEST.learner };
});
