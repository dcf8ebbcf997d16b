/**
 * The starting text of a learner's own node: an acceptor and a proposer, in TypeScript,
 * written against the published interface (types.ts). It compiles and runs, and it does
 * nothing useful: the acceptor refuses every request and the proposer never sends accept
 * requests, so no value is ever chosen. The solo sandbox's editor opens with it; it is kept
 * here, as text, so that every place that offers a learner a blank node offers the same one.
 */
// Kept off the start of a line of this file, which imports nothing: they are the learner's imports.
const IMPORTS = "import { compareBallots } from '@toy-paxos/shared';\nimport type { AcceptorProgram, ProposerProgram } from '@toy-paxos/shared';\n";

export const MY_NODE_TEMPLATE = `// Your own node: an acceptor and a proposer (docs/NODE-PROGRAMS.md).
// Each function is pure: it gets a state and a message and returns the next state
// (or, for onRequest, an answer). A ballot is { round, node }; compareBallots(a, b)
// orders two of them (a missing one is lowest).
${IMPORTS}
export const acceptor: AcceptorProgram = {
  name: 'myAcceptor',
  init() {
    return { promised: null, accepted: null };
  },
  // Refuses everything: write P1a here. A refusal names the ballot the acceptor promised
  // (here, while it has promised none, the request's own).
  onRequest(state, request) {
    return { kind: 'reject', promised: state.promised ?? request.ballot };
  },
  // What it keeps of the answer it gave.
  onAnswer(state, request, answer) {
    return state;
  },
  // May a student who answers for this acceptor say yes?
  mayAnswerYes(state, request) {
    return compareBallots(request.ballot, state.promised) >= 0;
  },
  onCrash(state) {
    return state;
  },
};

export const proposer: ProposerProgram = {
  name: 'myProposer',
  init(maxRound) {
    return { ballot: null, value: null, promisers: [], promiserAccMax: null, acceptors: [], sentValue: null, maxRound };
  },
  propose(state, ballot, value) {
    return { ...state, ballot, value, promisers: [], promiserAccMax: null, acceptors: [], sentValue: null };
  },
  // Promises, acceptances and refusals arrive here: keep them, and say when a value is chosen.
  onReply(state, reply, quorums) {
    return { state };
  },
  // Never ready: no accept request ever goes out.
  readyToAccept(state, quorums) {
    return false;
  },
  valueToPropose(state) {
    return state.value;
  },
  onCrash(state) {
    return state;
  },
};
`;
