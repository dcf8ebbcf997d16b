/**
 * The questions of prediction checkpoints, each with its right answer and the core's
 * explanation, computed from the room's state at the moment asked about, never typed in;
 * only a free question, which the instructor writes, carries the answer they mark. The one
 * question that needs the explorer's search is answered by a function passed in from above
 * (`SearchedQuestion`): `decide` opens questions with this module, below the explorer.
 */
import { formatBallot } from './ballot';
import { CHECKPOINT_LIMITS, freeQuestionProblem, type Question, type QuestionSpec } from './checkpoint-state';
import { invariant } from './invariant';
import { acceptorVerdict, type RequestMessage } from './node';
import { inFlightIndex, nameOf, roomQuorums, type RoomCommand, type RoomState } from './room';
import { linkUp, programsOf } from './room-state';

/** Why the "other value" question cannot be asked where no search was passed in. */
export const NO_SEARCH = 'This question is answered by searching every way the room can go on, and no search was given here: open it where the explorer runs (a classroom, or a scenario).';

/** The requests a reply question can be about: those in flight, then those waiting in inboxes, oldest first. */
export function waitingRequests(state: RoomState): RequestMessage[] {
  const flying = state.inFlight.filter((m): m is RequestMessage => m.kind === 'prepare' || m.kind === 'accept');
  const held = Object.values(state.held).sort((a, b) => a.id - b.id);
  return [...flying, ...held];
}

function findRequest(state: RoomState, id: number): RequestMessage | null {
  const m = state.inFlight[inFlightIndex(state.inFlight, id)];
  if (m && (m.kind === 'prepare' || m.kind === 'accept')) return m;
  return state.held[id] ?? null;
}

/**
 * Why what `spec` asks about cannot happen in the room as it is, or null. A crashed node answers
 * no request and sends none until it recovers, and a request behind a cut link waits until the
 * link heals: a question about what they will do waits too, rather than be answered from a
 * state the room cannot act on.
 */
export function stalledReason(state: RoomState, spec: QuestionSpec): string | null {
  if (spec.kind === 'nextValue') {
    const n = Object.hasOwn(state.nodes, spec.node) ? state.nodes[spec.node] : undefined;
    if (!n || n.up) return null;
    return `${n.name} has crashed and sends nothing until it recovers.`;
  }
  if (spec.kind !== 'reply') return null;
  // A request waiting in an inbox has arrived: its node is up (a crash empties the inbox).
  const m = state.inFlight[inFlightIndex(state.inFlight, spec.message)];
  if (!m || (m.kind !== 'prepare' && m.kind !== 'accept')) return null;
  const to = Object.hasOwn(state.nodes, m.to) ? state.nodes[m.to] : undefined;
  if (!to) return null;
  if (!to.up) return `${to.name} has crashed and answers nothing until it recovers.`;
  const from = nameOf(state, m.from);
  if (!linkUp(state, m.from, m.to)) return `The link between ${from} and ${to.name} is cut: ${from}'s request cannot reach ${to.name} until it heals.`;
  return null;
}

export type MadeQuestion = { readonly ok: true; readonly question: Question } | { readonly ok: false; readonly explanation: string };

/**
 * Answers the question that needs a search of every way the room can go on ("Can a value
 * other than X be chosen?"). The explorer's layer provides it (`otherValueQuestion`,
 * checkpoint.ts) to whoever opens questions: deciding never loads the explorer.
 */
export type SearchedQuestion = (state: RoomState, spec: QuestionSpec) => MadeQuestion;

/**
 * The question `spec` asks of `state`, with its answer; or why it cannot be asked now. The
 * "other value" question is answered by `searched`; without one it cannot be asked.
 */
export function makeQuestion(state: RoomState, spec: QuestionSpec, searched: SearchedQuestion | null = null): MadeQuestion {
  const name = (id: string) => nameOf(state, id);
  const b = (ballot: Parameters<typeof formatBallot>[0]) => formatBallot(ballot, name);
  const stalled = stalledReason(state, spec);
  if (stalled) return { ok: false, explanation: stalled };
  switch (spec.kind) {
    case 'reply': {
      const m = findRequest(state, spec.message);
      if (!m) return { ok: false, explanation: `Message #${spec.message} is not a request in flight or waiting in an inbox.` };
      const acceptor = Object.hasOwn(state.nodes, m.to) ? state.nodes[m.to] : undefined;
      if (!acceptor) return { ok: false, explanation: `${name(m.to)} has left the room.` };
      const what = m.kind === 'prepare' ? 'promise request' : `accept request for ${m.value}`;
      const prompt = `What will ${name(m.to)} answer to ${b(m.ballot)}'s ${what}?`;
      const acc = acceptor.acceptor;
      const verdict = acceptorVerdict(acc, m.ballot);
      const promised = b(acc.promised);
      if (m.kind === 'prepare') {
        const reported = acc.accepted ? `Promise, reporting ${acc.accepted.value} accepted in ${b(acc.accepted.ballot)}` : null;
        // The options: a promise with nothing, a promise with each value accepted in the room, and a refusal.
        const values = [...new Set(state.order.map((id) => state.nodes[id]!.acceptor.accepted).filter((a) => a !== null).map((a) => `Promise, reporting ${a!.value} accepted in ${b(a!.ballot)}`))];
        const options = ['Promise, reporting nothing accepted', ...values, 'Refuse'];
        if (reported && !options.includes(reported)) options.splice(1, 0, reported);
        const right = !verdict.ok ? 'Refuse' : (reported ?? 'Promise, reporting nothing accepted');
        const explanation = !verdict.ok
          ? `${name(m.to)} has promised ${promised}, higher than ${b(m.ballot)}, so it refuses (P1a).`
          : `${name(m.to)} ${acc.promised ? `has promised ${promised}, and ${b(m.ballot)} is at least as high` : 'has promised nothing yet'}, so it promises; a promise carries the last value the acceptor accepted, ${acc.accepted ? `${acc.accepted.value} in ${b(acc.accepted.ballot)}` : 'and it has accepted nothing'}.`;
        return { ok: true, question: { spec, prompt, options: options.slice(0, CHECKPOINT_LIMITS.optionsMax), answer: options.indexOf(right), explanation } };
      }
      const options = [`Accept ${m.value}`, 'Refuse'];
      return {
        ok: true,
        question: {
          spec,
          prompt,
          options,
          answer: verdict.ok ? 0 : 1,
          explanation: verdict.ok
            ? `${name(m.to)} ${acc.promised ? `has promised ${promised}, and ${b(m.ballot)} is at least as high` : 'has promised nothing yet'}, so it accepts ${m.value}.`
            : `${name(m.to)} has promised ${promised}, higher than ${b(m.ballot)}, so it refuses (P1a).`,
        },
      };
    }
    case 'nextValue': {
      const n = Object.hasOwn(state.nodes, spec.node) ? state.nodes[spec.node] : undefined;
      if (!n) return { ok: false, explanation: `There is no node called ${spec.node} in this room.` };
      const p = n.proposer;
      if (!p.ballot) return { ok: false, explanation: `${name(spec.node)} has no proposal: there is no next accept request to ask about.` };
      const prompt = `Which value will ${b(p.ballot)}'s next accept request carry?`;
      const quorums = roomQuorums(state);
      const { q1 } = quorums;
      const ignore = state.settings.rules.ignoreAcceptedValue;
      const program = programsOf(state, spec.node).proposer;
      const value = program.valueToPropose(p);
      const values = [...new Set([p.value, p.promiserAccMax?.value ?? null, ...Object.keys(state.monitor.proposed)].filter((v): v is string => v !== null))];
      // An option is the answer only: why it needs a quorum first is the explanation's, shown at the reveal.
      const none = 'None yet';
      const needsQuorum = !program.readyToAccept(p, quorums);
      const options = [...values.slice(0, CHECKPOINT_LIMITS.optionsMax - 1), none];
      const answer = needsQuorum ? options.indexOf(none) : value === null ? -1 : options.indexOf(value);
      if (answer < 0) return { ok: false, explanation: `${name(spec.node)} has no value to send.` };
      const explanation = needsQuorum
        ? `${name(spec.node)} has ${p.promisers.length} of the ${q1} promises it needs: until it has a quorum of promises it cannot know which value may already be chosen, so it sends no accept request.`
        : p.sentValue !== null
          ? `Its first accept request fixed the value: one ballot, one value.`
          : p.promiserAccMax && !ignore
            ? `A promiser reported ${p.promiserAccMax.value} accepted in ${b(p.promiserAccMax.ballot)}, the highest ballot among its promisers, so it must carry ${p.promiserAccMax.value} (P2c).`
            : `No promiser reported an accepted value, so it carries its own value.`;
      return { ok: true, question: { spec, prompt, options, answer, explanation } };
    }
    case 'chosenNow': {
      const proposed = Object.keys(state.monitor.proposed);
      if (proposed.length === 0) return { ok: false, explanation: 'No value has been proposed yet.' };
      const chosen = [...new Set(state.monitor.chosen.map((c) => c.value))];
      // With two values proposed, "both" is an answer to choose from in every room: right only
      // where a rule-breaking mode let two be chosen, so its presence gives nothing away.
      const pair = chosen.length > 1 ? chosen : proposed.length > 1 ? proposed.slice(0, 2) : [];
      const room = CHECKPOINT_LIMITS.optionsMax - 1 - (pair.length ? 1 : 0);
      // The values chosen are always among the options, in the order they were proposed.
      const kept = new Set([...chosen, ...proposed.filter((v) => !chosen.includes(v))].slice(0, room));
      const values = proposed.filter((v) => kept.has(v));
      const both = pair.join(' and ');
      const options = ['Nothing is chosen yet', ...values, ...(pair.length ? [both] : [])];
      const answer = chosen.length === 0 ? 0 : chosen.length > 1 ? options.indexOf(both) : options.indexOf(chosen[0]!);
      invariant(answer >= 0, 'the values chosen are among the options');
      const { q2 } = roomQuorums(state);
      const first = (value: string) => state.monitor.chosen.find((c) => c.value === value)!;
      const explanation =
        chosen.length > 1
          ? `${chosen.map((v) => `A quorum of ${q2} acceptors accepted ${v} in ballot ${b(first(v).ballot)}`).join('; ')}: ${chosen.length === 2 ? 'both are' : 'all are'} chosen, a safety violation (Paxos chooses one value).`
          : chosen.length
            ? `A quorum of ${q2} acceptors accepted ${chosen[0]} in ballot ${b(first(chosen[0]!).ballot)}: it is chosen, whether or not any node has learned it yet.`
            : `No ballot has been accepted by a quorum of ${q2} acceptors yet, so nothing is chosen.`;
      return { ok: true, question: { spec, prompt: 'Is a value chosen now? Which?', options, answer, explanation } };
    }
    case 'quorumCrash': {
      const n = state.members.length;
      if (n === 0) return { ok: false, explanation: 'This round has no acceptors yet.' };
      const { q1, q2 } = roomQuorums(state);
      const need = Math.max(q1, q2);
      // Crashing k acceptors leaves n - k; a proposal needs max(q1, q2) of them up.
      const answer = Math.max(0, n - need + 1);
      const options = [...new Set([1, 2, 3, Math.max(1, answer - 1), answer, answer + 1].filter((k) => k >= 1 && k <= n))].sort((x, y) => x - y).slice(0, CHECKPOINT_LIMITS.optionsMax);
      if (!options.includes(answer)) return { ok: false, explanation: 'Every acceptor would have to crash: the quorums are larger than the room.' };
      if (options.length < CHECKPOINT_LIMITS.optionsMin) return { ok: false, explanation: `This round has ${n} acceptor${n === 1 ? '' : 's'}: too few for a question with answers to choose from.` };
      return {
        ok: true,
        question: {
          spec,
          prompt: `How many of this round's ${n} acceptors must crash before no new proposal can succeed?`,
          options: options.map(String),
          answer: options.indexOf(answer),
          explanation: `A proposal needs ${q1} promises and then ${q2} acceptances, so at least ${need} acceptors up. With ${answer} of ${n} crashed only ${n - answer} remain, fewer than ${need}; with one crash fewer, ${n - answer + 1} remain, enough.`,
        },
      };
    }
    case 'otherValue':
      return searched ? searched(state, spec) : { ok: false, explanation: NO_SEARCH };
    case 'free': {
      const problem = freeQuestionProblem(spec.prompt, spec.options);
      if (problem) return { ok: false, explanation: problem };
      return { ok: true, question: { spec, prompt: spec.prompt, options: spec.options, answer: null, explanation: '' } };
    }
  }
}

/**
 * The step that plays a revealed question's answer, so that the class watches it happen: the
 * request a reply question is about, delivered (or answered, when it waits in an inbox).
 * Null when the question has no such step, or its request is gone.
 */
export function revealStep(state: RoomState, spec: QuestionSpec): RoomCommand | null {
  if (spec.kind !== 'reply') return null;
  const m = findRequest(state, spec.message);
  if (!m) return null;
  if (state.held[m.id]) return { type: 'answer', node: m.to, id: m.id, yes: acceptorVerdict(state.nodes[m.to]!.acceptor, m.ballot).ok };
  return { type: 'deliver', id: m.id };
}
