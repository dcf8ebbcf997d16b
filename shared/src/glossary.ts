/**
 * The names Paxos Made Simple gives its rules, which explanations cite in brackets
 * ("(P2c)"), in words a student understands. docs/PAXOS.md lists the same texts.
 */
export const PAXOS_TERMS = {
  P1a: 'An acceptor may accept a proposal numbered n only if it has not promised a higher number; and it never answers a number below its promise (Paxos Made Simple, section 2.2).',
  P2c: 'A proposal numbered n with value v may be issued only if some quorum of acceptors has either accepted nothing below n, or, among what it accepted below n, v is the value of the highest-numbered proposal: so a proposer carries the value its promisers accepted in the highest ballot (Paxos Made Simple, section 2.2).',
} as const;

export type PaxosTerm = keyof typeof PAXOS_TERMS;

/** The rule names cited in `text`, in the order of the list above. */
export function termsIn(text: string): PaxosTerm[] {
  return (Object.keys(PAXOS_TERMS) as PaxosTerm[]).filter((t) => text.includes(`${t})`) || text.includes(`${t}.`) || text.includes(`${t},`));
}
