/**
 * What `decide` (decide.ts) and `decideMulti` (multi/decide.ts) share: a refusal, the
 * refusals both protocols give, and the check of a request's targets. Below both, so that
 * decide.ts can hand commands to multi/decide.ts.
 */
import { isMember, LIMITS, nameOf, type Refusal, type RefusalCode, type RoomState, type Target } from './room';

/** A refusal: a code for programs and a sentence for people. */
export function refuse(code: RefusalCode, explanation: string): Refusal {
  return { ok: false, code, explanation };
}

export function unknownNode(id: string): Refusal {
  return refuse('unknown-node', `There is no node called ${id} in this room.`);
}

export function networkFull(): Refusal {
  return refuse(
    'network-full',
    `The network holds ${LIMITS.inFlightMax} messages already; deliver or drop some first.`,
  );
}

/**
 * The refusal for a node that joined after this round's first proposal and would propose
 * (`doing`: "propose", or "lead" in Multi-Paxos): it watches until the next round.
 */
export function watching(state: RoomState, id: string, doing: string): Refusal {
  const name = nameOf(state, id);
  return refuse(
    'not-acceptor',
    `${name} joined during round ${state.round}, after its first proposal: it watches this round, and learns its outcome like any node, ` +
      `but takes part only from round ${state.round + 1}, when the instructor starts it. Then ${name} can ${doing} and accept.`,
  );
}

/** The nodes a request goes to: "all" is every acceptor of this round. */
function resolveTargets(state: RoomState, to: Target): string[] {
  return to === 'all' ? state.order.filter((id) => isMember(state, id)) : [...new Set(to)];
}

/**
 * The acceptors a request goes to, checked: at least one, each a node of the room and one
 * of this round's acceptors; or the refusal. `what` names the request ("a promise request").
 */
export function requestTargets(state: RoomState, to: Target, what: string): string[] | Refusal {
  const targets = resolveTargets(state, to);
  if (targets.length === 0) return refuse('no-targets', `Choose at least one node to send ${what} to.`);
  for (const t of targets) if (!state.nodes[t]) return unknownNode(t);
  for (const t of targets) {
    if (!isMember(state, t)) {
      return refuse(
        'not-acceptor',
        `${nameOf(state, t)} joined during round ${state.round}, after its first proposal, so it is not one of this round's acceptors: ` +
          `a quorum counted with it might share no acceptor with another quorum of this round. It watches until round ${state.round + 1} starts, then takes part.`,
      );
    }
  }
  return targets;
}
