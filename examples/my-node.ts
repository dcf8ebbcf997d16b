// Your own Paxos node: write the acceptor and the proposer below, then check them with
// "Check my node" in the solo sandbox, or in a terminal with
//   npm run check -- examples/my-node.ts
// The check runs nodes of a 3-node room with these programs and tries every way the room can
// go (docs/BRING-YOUR-OWN-NODE.md). As it stands, this node refuses everything, so nothing is
// ever chosen: safe, and useless. In a terminal, delete a role's export to keep the honest one.
//
// Every function is pure: return new objects, never change the ones you are given (they are
// frozen, and changing one is an error), and use no clock, randomness or I/O. You may import
// only from '@toy-paxos/shared': compareBallots, sameBallot, honestAcceptor, honestProposer.
// This file may be TypeScript (as here) or JavaScript: drop the types and the `import type`.
import type { AcceptorProgram, ProposerProgram } from '@toy-paxos/shared';
// To order two ballots: import { compareBallots } from '@toy-paxos/shared';

export const acceptor: AcceptorProgram = {
  name: 'my acceptor',
  // A fresh acceptor: { promised, accepted }, the notebook's acc_p and last_accepted().
  init() {
    return { promised: null, accepted: null };
  },
  // Your answer to a promise request (request.kind 'prepare') or an accept request ('accept'):
  // { kind: 'promise', lastAccepted } (to a promise request only), { kind: 'accepted' } (to
  // an accept request only) or { kind: 'reject', promised } (the ballot you promised).
  // request.ballot is { round, node }; compareBallots(a, b) orders two ballots.
  onRequest(state, request) {
    return { kind: 'reject', promised: state.promised ?? request.ballot };
  },
  // The state your answer leaves: what you promise and what you accept must be remembered here.
  onAnswer(state, request, answer) {
    return state;
  },
  // When a student answers for this acceptor: may they say yes to this request?
  mayAnswerYes(state, request) {
    return false;
  },
  // What survives a crash (an acceptor keeps its promise and its acceptance on stable storage).
  onCrash(state) {
    return state;
  },
};

export const proposer: ProposerProgram = {
  name: 'my proposer',
  // No proposal yet; maxRound is the highest round seen, which the room's next ballot goes above.
  init(maxRound) {
    return { ballot: null, value: null, promisers: [], promiserAccMax: null, acceptors: [], sentValue: null, maxRound };
  },
  // A new proposal: the room picked `ballot` above maxRound; `value` is the one you want chosen.
  propose(state, ballot, value) {
    return { ...state, ballot, value };
  },
  // A reply arrives: reply.kind is 'promise' (with lastAccepted), 'accepted' or 'reject' (with
  // promised). Return { state }, and { state, chosen: value } when you learn that value is chosen
  // (a quorum, quorums.q2, of acceptors accepted your ballot).
  onReply(state, reply, quorums) {
    return { state };
  },
  // May accept requests go out now (have quorums.q1 acceptors promised)?
  readyToAccept(state, quorums) {
    return false;
  },
  // The value your accept requests carry: promiser_acc_max's value, or else your own; null for none.
  valueToPropose(state) {
    return null;
  },
  // What survives a crash: the proposal in progress is lost, maxRound must be kept.
  onCrash(state) {
    return state;
  },
};
