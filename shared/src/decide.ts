/**
 * `decide(state, command)`: checks a command against the protocol and the room's
 * settings and returns the events it causes, or a refusal with a code and an
 * explanation. It never changes the state; `evolve` (room.ts) applies the events.
 */
import { formatBallot, nextBallot } from './ballot';
import { assertNever, invariant } from './invariant';
import { firstChars, nameKey, normalizeText, textProblem } from './text';
import { makeReply, type Message, type RequestMessage } from './node';
import { programsOf, takenNames } from './room-state';
import {
  inFlightIndex,
  isMember,
  mayPropose,
  LIMITS,
  linkKey,
  linkUp,
  nameOf,
  roomQuorums,
  type Decision,
  type LostReason,
  type Refusal,
  type RoomCommand,
  type RoomEvent,
  type RoomState,
  type Target,
} from './room';
import { QUORUM_MAX, type RoomSettings, type SettingsChange } from './settings';
import { makeQuestion, type SearchedQuestion } from './checkpoint-questions';
import { CHECKPOINT_LIMITS, type CheckpointState, type QuestionSpec } from './checkpoint-state';
import { Rng } from './bots';
import { scopeLabel } from './message-label';
import { apply, cloneRoomState, type AnyReply } from './room';
import { decideByProtocol, messageOwner, protocolNamed } from './protocols/registry';
import { isProtocolCommand } from './protocols/kinds';
import { autoReply } from './protocols/single';
import { networkFull, refuse, requestTargets, unknownNode, watching } from './refusals';

export { networkFull, refuse, requestTargets, unknownNode, watching } from './refusals';

/**
 * Checks `command` against the protocol and the room, and returns its events or a refusal.
 * `searched` answers the one question that needs the explorer (checkpoint-questions.ts).
 */
export function decide(state: RoomState, command: RoomCommand, searched: SearchedQuestion | null = null): Decision {
  const own = decideByProtocol(state, command);
  if (own) return own;
  // A protocol's own commands are decided by its module, or refused by it in a room of another protocol: none gets here.
  invariant(!isProtocolCommand(command), `no protocol module decided the ${command.type} command`);
  switch (command.type) {
    case 'addNode':
      return decideAddNode(state, command.node, command.name ?? command.node, command.bot ?? false);
    case 'addNodes': {
      // Each is decided against the room with the ones before it, so names and ids stay distinct.
      const sim = cloneRoomState(state);
      const events: RoomEvent[] = [];
      for (const n of command.nodes) {
        const d = decideAddNode(sim, n.node, n.name ?? n.node, n.bot ?? false);
        if (!d.ok) return d;
        for (const e of d.events) apply(sim, e);
        events.push(...d.events);
      }
      if (events.length === 0) return refuse('no-targets', 'Add at least one node.');
      return { ok: true, events };
    }
    case 'removeNode': {
      const missing = missingNode(state, command.node);
      if (missing) return missing;
      // Mid-round, an acceptor that leaves still counts in this round's quorums, as one that never answers.
      const nextRound = isMember(state, command.node) && configurationFixed(state);
      return { ok: true, events: [{ type: 'nodeRemoved', node: command.node, ...(nextRound ? { nextRound: true as const } : {}) }] };
    }
    case 'renameNode': {
      const missing = missingNode(state, command.node);
      if (missing) return missing;
      const bad = checkName(command.name);
      if (bad) return bad;
      return { ok: true, events: [{ type: 'nodeRenamed', node: command.node, name: command.name }] };
    }
    case 'changeSettings':
      return decideSettings(state, command.settings);
    case 'newRound':
      return { ok: true, events: [{ type: 'roundStarted', round: state.round + 1 }] };
    case 'propose':
      return decidePropose(state, command.node, command.value ?? null);
    case 'promiseRequest':
    case 'acceptRequest':
      return decideRequest(state, command.type === 'promiseRequest' ? 'prepare' : 'accept', command.from, command.to);
    case 'deliver':
      return decideDeliver(state, command.id);
    case 'drop': {
      const m = findInFlight(state, command.id);
      if (!m) return unknownMessage(command.id);
      return { ok: true, events: [{ type: 'dropped', id: command.id }] };
    }
    case 'duplicate': {
      const m = findInFlight(state, command.id);
      if (!m) return unknownMessage(command.id);
      if (state.inFlight.length >= LIMITS.inFlightMax) return networkFull();
      return { ok: true, events: [{ type: 'duplicated', id: command.id, copyId: state.nextMessageId }] };
    }
    case 'answer':
      return decideAnswer(state, command.node, command.id, command.yes);
    case 'crash': {
      const node = state.nodes[command.node];
      if (!node) return unknownNode(command.node);
      if (!node.up) return refuse('node-crashed', `${node.name} has already crashed.`);
      return { ok: true, events: [{ type: 'crashed', node: command.node }] };
    }
    case 'recover': {
      const node = state.nodes[command.node];
      if (!node) return unknownNode(command.node);
      if (node.up) return refuse('node-up', `${node.name} is running; only a crashed node can recover.`);
      return { ok: true, events: [{ type: 'recovered', node: command.node }] };
    }
    case 'setOwnProgram':
      return decideOwnProgram(state, command.node, command.status);
    case 'cut':
    case 'heal':
      return decideLink(state, command.type, command.a, command.b);
    case 'deliverAll':
      return decideDeliverAll(state, command.from, command.to, command.seed);
    case 'dropAll':
      return decideDropAll(state, command.from, command.to);
    case 'partition':
      return decidePartition(state, command.groups);
    case 'healAll': {
      if (state.cut.length === 0) return refuse('not-cut', 'No link is cut: there is nothing to heal.');
      return { ok: true, events: [{ type: 'healedAll', links: state.cut.map((k) => k.split('|') as [string, string]) }] };
    }
    case 'openCheckpoint':
      return decideOpenCheckpoint(state, command.spec, command.seconds ?? CHECKPOINT_LIMITS.seconds, undefined, command.lesson === true, searched);
    case 'closeCheckpoint':
      return decideCloseCheckpoint(state, command.id, command.answers);
    case 'revealCheckpoint':
      return decideRevealCheckpoint(state, command.id, command.answer, command.answers ?? {});
    default:
      return assertNever(command, 'command');
  }
}

/**
 * Opens a checkpoint on `spec`, asked of the room now, or (`asked`) of an earlier moment of its
 * log that the instructor is presenting: the question and its answer come from that moment's
 * state, and the checkpoint opens now. `lesson`: a prepared lesson's script asks it, not an instructor.
 * `searched`: the explorer's answer to the "other value" question (see `decide`).
 */
export function decideOpenCheckpoint(
  state: RoomState,
  spec: QuestionSpec,
  seconds: number,
  asked?: { readonly state: RoomState; readonly seq: number },
  lesson = false,
  searched: SearchedQuestion | null = null,
): Decision {
  const open = state.checkpoints.find((c) => c.status === 'open');
  if (open) return refuse('checkpoint-open', `Question ${open.id} is still open: close or reveal it before asking another.`);
  const L = CHECKPOINT_LIMITS;
  if (!Number.isInteger(seconds) || seconds < L.secondsMin || seconds > L.secondsMax) {
    return refuse('bad-question', `A countdown is a whole number of seconds from ${L.secondsMin} to ${L.secondsMax}.`);
  }
  if (asked && (!Number.isInteger(asked.seq) || asked.seq < 0 || asked.seq > state.seq)) return refuse('bad-question', `There is no event ${asked.seq} in this log to ask about.`);
  const made = makeQuestion(asked?.state ?? state, spec, searched);
  if (!made.ok) return refuse('bad-question', made.explanation);
  const id = (state.checkpoints.at(-1)?.id ?? 0) + 1;
  return { ok: true, events: [{ type: 'checkpointOpened', id, question: made.question, seconds, ...(asked && asked.seq !== state.seq ? { at: asked.seq } : {}), ...(lesson ? { lesson: true as const } : {}) }] };
}

function findCheckpoint(state: RoomState, id: number): CheckpointState | Refusal {
  return state.checkpoints.find((c) => c.id === id) ?? refuse('unknown-checkpoint', `There is no question ${id} in this room.`);
}

function answersProblem(state: RoomState, c: CheckpointState, answers: Readonly<Record<string, number>>): Refusal | null {
  for (const [node, option] of Object.entries(answers)) {
    if (!state.nodes[node]) return refuse('bad-answer', `${node} is not a node of this room, so it cannot answer.`);
    if (!Number.isInteger(option) || option < 0 || option >= c.question.options.length) {
      return refuse('bad-answer', `Question ${c.id} has answers 1 to ${c.question.options.length}; ${nameOf(state, node)}'s is not one of them.`);
    }
  }
  return null;
}

function decideCloseCheckpoint(state: RoomState, id: number, answers: Readonly<Record<string, number>>): Decision {
  const c = findCheckpoint(state, id);
  if ('ok' in c) return c;
  if (c.status !== 'open') return refuse('unknown-checkpoint', `Question ${id} is closed already.`);
  const bad = answersProblem(state, c, answers);
  if (bad) return bad;
  return { ok: true, events: [{ type: 'checkpointClosed', id, answers: { ...answers } }] };
}

function decideRevealCheckpoint(state: RoomState, id: number, marked: number | undefined, answers: Readonly<Record<string, number>>): Decision {
  const c = findCheckpoint(state, id);
  if ('ok' in c) return c;
  if (c.status === 'revealed') return refuse('unknown-checkpoint', `Question ${id} is revealed already.`);
  if (c.status !== 'open' && Object.keys(answers).length) return refuse('bad-answer', `Question ${id} is closed already: its answers were recorded then.`);
  const bad = answersProblem(state, c, answers);
  if (bad) return bad;
  const free = c.question.answer === null;
  if (free && (marked === undefined || !Number.isInteger(marked) || marked < 0 || marked >= c.question.options.length)) {
    return refuse('bad-answer', `Question ${id} is your own: mark which of its ${c.question.options.length} answers is right (1 to ${c.question.options.length}).`);
  }
  if (!free && marked !== undefined && marked !== c.question.answer) {
    return refuse('bad-answer', `Question ${id}'s answer is computed from the room, not marked: reveal it without one.`);
  }
  const answer = free ? marked! : c.question.answer!;
  const close: RoomEvent[] = c.status === 'open' ? [{ type: 'checkpointClosed', id, answers: { ...answers } }] : [];
  return { ok: true, events: [...close, { type: 'checkpointRevealed', id, answer }] };
}

/**
 * True when joins, removals and quorum changes must wait for the next round: a proposal has
 * started in this one, so its acceptors and quorums are fixed, unless the instructor lets
 * them change now ("reconfigure mid-round").
 */
function configurationFixed(state: RoomState, settings: RoomSettings = state.settings): boolean {
  return state.fixed && !settings.rules.reconfigureMidRound;
}

function missingNode(state: RoomState, id: string): Refusal | null {
  return state.nodes[id] ? null : unknownNode(id);
}

function unknownMessage(id: number): Refusal {
  return refuse('unknown-message', `Message #${id} is not in flight: it was delivered, dropped or never sent.`);
}

/** "a name has at most 32 characters" as a sentence of its own. */
function sentence(phrase: string): string {
  return `${phrase[0]!.toUpperCase()}${phrase.slice(1)}.`;
}

/**
 * A display name no other node of `state` uses: "Alice", then "Alice 2", "Alice 3"...
 * The name is trimmed and its inner whitespace collapsed first, and names are compared
 * folded (case, compatibility forms, whitespace), so "alice " is taken by "Alice" and gets
 * "alice 2"; the suffix never cuts an emoji in half.
 */
export function uniqueNodeName(state: RoomState, wanted: string, self?: string): string {
  const name = normalizeText(wanted);
  const taken = takenNames(state, self);
  if (!taken.has(nameKey(name))) return name;
  for (let k = 2; ; k++) {
    const suffix = ` ${k}`;
    const numbered = firstChars(name, LIMITS.nameLengthMax - suffix.length) + suffix;
    if (!taken.has(nameKey(numbered))) return numbered;
  }
}

function checkName(name: string): Refusal | null {
  const problem = textProblem(name, LIMITS.nameLengthMax, 'a name');
  if (problem) return refuse('bad-name', sentence(problem));
  if (nameKey(name) === 'all') return refuse('bad-name', '"all" stands for every node, so it cannot be a name.');
  return null;
}

function checkValue(value: string): Refusal | null {
  const problem = textProblem(value, LIMITS.valueLengthMax, 'a value');
  if (problem) return refuse('bad-value', sentence(problem));
  if (value.trim().toLowerCase() === 'none') {
    return refuse('bad-value', 'The log writes None for "no value", so None cannot be a value: pick another word.');
  }
  return null;
}

function decideAddNode(state: RoomState, id: string, name: string, bot: boolean): Decision {
  if (state.nodes[id]) return refuse('node-exists', `There is already a node called ${id}.`);
  if (isMember(state, id)) {
    // A blank acceptor under the id of one that promised or accepted would break its word for it.
    return refuse('node-exists', `${id} left during this round and still counts as one of its acceptors: its name is free again when the next round starts.`);
  }
  if (state.order.length >= LIMITS.nodesMax) {
    return refuse('room-full', `A room holds at most ${LIMITS.nodesMax} nodes.`);
  }
  const bad = checkName(id) ?? checkName(name);
  if (bad) return bad;
  const nextRound = configurationFixed(state);
  return { ok: true, events: [{ type: 'nodeAdded', node: id, name, bot, ...(nextRound ? { nextRound: true as const } : {}) }] };
}

/** Why the protocol cannot change now (only between decisions), or null. */
function protocolChangeProblem(state: RoomState, wanted: RoomSettings): Refusal | null {
  if (wanted.protocol === state.settings.protocol || !state.fixed) return null;
  return refuse(
    'bad-settings',
    `The protocol changes only between decisions, and round ${state.round} has begun: start a new round, then switch to ${protocolNamed(wanted.protocol).title} before anyone proposes or leads.`,
  );
}

/**
 * A change of settings. Quorum sizes are part of the decision in progress: once a round
 * has a proposal, a change of Q1 or Q2 waits for the next round (unless "reconfigure
 * mid-round" is on), and the event says so. Everything else applies now: delivery and
 * acceptor mode do not touch safety, and the rule-breaking modes are meant to break it.
 */
function decideSettings(state: RoomState, change: SettingsChange): Decision {
  const wanted: RoomSettings = {
    ...(state.nextSettings ?? state.settings),
    ...change,
    rules: { ...(state.nextSettings ?? state.settings).rules, ...change.rules },
  };
  for (const q of [wanted.q1, wanted.q2]) {
    if (q !== 'majority' && (!Number.isInteger(q) || q < 1 || q > QUORUM_MAX)) {
      return refuse('bad-settings', `A quorum size is "majority" or a whole number from 1 to ${QUORUM_MAX}.`);
    }
  }
  const protocolProblem = protocolChangeProblem(state, wanted) ?? protocolNamed(wanted.protocol).settingsProblem(state, wanted);
  if (protocolProblem) return protocolProblem;
  // Before a round's first proposal, everything takes effect at once. After it, a quorum size
  // waits for the next round, unless "reconfigure mid-round" is on and this change names it:
  // turning the mode on does not apply a quorum change that was already waiting.
  if (!state.fixed) return { ok: true, events: [{ type: 'settingsChanged', settings: wanted }] };
  const atOnce = (q: 'q1' | 'q2') => (change[q] !== undefined && !configurationFixed(state, wanted) ? wanted[q] : state.settings[q]);
  const now: RoomSettings = { ...wanted, q1: atOnce('q1'), q2: atOnce('q2') };
  const waits = wanted.q1 !== now.q1 || wanted.q2 !== now.q2;
  return { ok: true, events: [{ type: 'settingsChanged', settings: now, ...(waits ? { nextRound: wanted } : {}) }] };
}

function decidePropose(state: RoomState, id: string, value: string | null): Decision {
  const node = state.nodes[id];
  if (!node) return unknownNode(id);
  if (!node.up) return refuse('node-crashed', `${node.name} has crashed; recover it before it proposes.`);
  if (!mayPropose(state, id)) return watching(state, id, 'propose');
  if (value !== null) {
    const bad = checkValue(value);
    if (bad) return bad;
  }
  const ballot = nextBallot(state.settings.ballots, node.proposer.maxRound, id);
  // Without a new value the node keeps the one it wanted, as the notebook's init_new_proposal does.
  return { ok: true, events: [{ type: 'proposalStarted', node: id, ballot, value: value ?? node.proposer.value }] };
}

function decideRequest(state: RoomState, kind: 'prepare' | 'accept', from: string, to: Target): Decision {
  const proposer = state.nodes[from];
  if (!proposer) return unknownNode(from);
  const what = kind === 'prepare' ? 'a promise request' : 'an accept request';
  if (!proposer.up) return refuse('node-crashed', `${proposer.name} has crashed; recover it before it sends ${what}.`);
  const p = proposer.proposer;
  if (!p.ballot) {
    return refuse('no-proposal', `${proposer.name} has no proposal yet: start a new proposal first.`);
  }
  const targets = requestTargets(state, to, what);
  if (!Array.isArray(targets)) return targets;

  let value: string | null = null;
  if (kind === 'accept') {
    const program = programsOf(state, from).proposer;
    const quorums = roomQuorums(state);
    if (!program.readyToAccept(p, quorums)) {
      return refuse(
        'no-promise-quorum',
        `${proposer.name} has ${p.promisers.length} of the ${quorums.q1} promises it needs. An accept request needs a ` +
          `quorum of promises first, so that the proposer knows every value that may already be chosen.`,
      );
    }
    value = program.valueToPropose(p);
    if (value === null) {
      return refuse(
        'no-value',
        `${proposer.name} has no value to propose: no promiser reported an accepted value, and its own proposal has none. Start a new proposal with a value.`,
      );
    }
  }
  if (state.settings.delivery === 'queued' && state.inFlight.length + targets.length > LIMITS.inFlightMax) {
    return networkFull();
  }

  const events: RoomEvent[] = [];
  let nextId = state.nextMessageId;
  const ballot = p.ballot;
  for (const to of targets) {
    const request: RequestMessage =
      kind === 'prepare'
        ? { id: nextId++, kind: 'prepare', from, to, ballot }
        : { id: nextId++, kind: 'accept', from, to, ballot, value: value! };
    if (state.settings.delivery === 'queued') {
      events.push({ type: 'sent', message: request });
      continue;
    }
    const target = state.nodes[to]!;
    if (!target.up || !linkUp(state, from, to)) {
      events.push({ type: 'lost', message: request, reason: target.up ? 'cut' : 'crashed' });
      continue;
    }
    const reply = autoReply(state, target, request, nextId);
    if (reply) nextId++;
    events.push({ type: 'exchanged', request, reply });
  }
  return { ok: true, events };
}

/** The reply a message that arrives now gets: a request's acceptor answers (or holds it), a reply or notice gets none. */
function replyOnArrival(state: RoomState, m: Message, id: number): AnyReply | null {
  return messageOwner(m).replyOnArrival(state, m, id);
}

function findInFlight(state: RoomState, id: number): Message | undefined {
  return state.inFlight[inFlightIndex(state.inFlight, id)];
}

function decideDeliver(state: RoomState, id: number): Decision {
  const message = findInFlight(state, id);
  if (!message) return unknownMessage(id);
  const to = state.nodes[message.to];
  if (!to) {
    return refuse('unknown-node', `${message.to} has left the room; drop message #${id} instead.`);
  }
  if (!to.up) {
    return refuse('node-crashed', `${to.name} has crashed and cannot receive #${id}: recover it, or drop the message.`);
  }
  if (!linkUp(state, message.from, message.to)) {
    return refuse(
      'link-cut',
      `The link between ${nameOf(state, message.from)} and ${to.name} is cut: heal it, or drop message #${id}.`,
    );
  }
  const reply = replyOnArrival(state, message, state.nextMessageId);
  // The delivered message leaves the network, its reply enters it: only notices add to it.
  if (state.inFlight.length + notices(state, reply) > LIMITS.inFlightMax) return noticesWontFit(state, reply);
  return { ok: true, events: [{ type: 'delivered', id, reply }] };
}

/** How many notices to learners an acceptance puts in flight (queued delivery, every node learns), or 0. */
function notices(state: RoomState, reply: AnyReply | null): number {
  if (!reply || state.settings.learners !== 'everyone' || state.settings.delivery !== 'queued') return 0;
  return messageOwner(reply).noticeCount(state, reply);
}

function noticesWontFit(state: RoomState, reply: AnyReply | null): Refusal {
  return refuse(
    'network-full',
    `${nameOf(state, reply!.from)} would accept and tell ${notices(state, reply)} learners, but the network holds ${state.inFlight.length} of at most ${LIMITS.inFlightMax} messages: deliver or drop some first.`,
  );
}

function decideAnswer(state: RoomState, nodeId: string, id: number, yes: boolean): Decision {
  const node = state.nodes[nodeId];
  if (!node) return unknownNode(nodeId);
  const request = state.held[id];
  if (!request || request.to !== nodeId || !node.inbox.includes(id)) {
    return refuse('not-in-inbox', `Request #${id} is not waiting in ${node.name}'s inbox.`);
  }
  if (!node.up) return refuse('node-crashed', `${node.name} has crashed; recover it first.`);
  const program = programsOf(state, nodeId).acceptor;
  const b = formatBallot(request.ballot, (n) => nameOf(state, n));
  const promised = formatBallot(node.acceptor.promised, (n) => nameOf(state, n));
  const promise = request.kind === 'prepare' ? 'promise' : 'accept';
  if (yes && !program.mayAnswerYes(node.acceptor, request)) {
    return refuse(
      'breaks-promise',
      `${node.name} has promised ${promised}, which is higher than ${b}, so it must refuse: an acceptor never ` +
        `answers a ballot lower than its promise (Paxos Made Simple, P1a).`,
    );
  }
  if (!yes && program.onRequest(node.acceptor, request).kind !== 'reject') {
    const why = node.acceptor.promised ? `${b} is at least its promise ${promised}` : `it has promised nothing yet`;
    return refuse(
      'must-answer-yes',
      `${node.name} may ${promise} ${b}: ${why}. Paxos would let an acceptor refuse or ignore any request (that is the same as a lost message), ` +
        `but in this classroom an acceptor answers yes whenever the rules allow it, so that the round keeps moving (a classroom rule, not a Paxos rule).`,
    );
  }
  const reply = makeReply(node.acceptor, request, yes, state.nextMessageId);
  const instant = state.settings.delivery === 'instant';
  if (!instant && state.inFlight.length + 1 + notices(state, reply) > LIMITS.inFlightMax) return noticesWontFit(state, reply);
  const proposer = state.nodes[request.from];
  const lost: LostReason | undefined = !instant
    ? undefined
    : !proposer
      ? 'left'
      : !proposer.up
        ? 'crashed'
      : !linkUp(state, nodeId, request.from)
        ? 'cut'
        : undefined;
  return { ok: true, events: [{ type: 'answered', id, reply, instant, ...(lost ? { lost } : {}) }] };
}

/**
 * A student's page starts or stops running a learner's program for its node. The room only
 * records it (every screen shows which nodes run learners' code); the page answers the
 * node's requests with `answer`, checked like a tap. Saying what is already so is refused,
 * so that a page that repeats itself adds nothing to the log.
 */
function decideOwnProgram(state: RoomState, id: string, status: 'running' | 'failed' | 'off'): Decision {
  const node = state.nodes[id];
  if (!node) return unknownNode(id);
  if (node.bot) return refuse('program-unchanged', `${node.name} is a bot: the core plays it, so no page runs a program for it.`);
  const now = node.ownProgram ?? 'off';
  if (now === status) {
    const words = { running: 'runs its own program already', failed: 'shows its own program failed already', off: 'runs no program of its own' }[status];
    return refuse('program-unchanged', `${node.name} ${words}: nothing to change.`);
  }
  if (status === 'failed' && now !== 'running') return refuse('program-unchanged', `${node.name} runs no program of its own, so none can fail: attach one first.`);
  return { ok: true, events: [{ type: 'ownProgramSet', node: id, status }] };
}

function decideLink(state: RoomState, kind: 'cut' | 'heal', a: string, b: string): Decision {
  const missing = missingNode(state, a) ?? missingNode(state, b);
  if (missing) return missing;
  if (a === b) return refuse('same-node', 'A link joins two different nodes.');
  const isCut = state.cut.includes(linkKey(a, b));
  const names = `${nameOf(state, a)} and ${nameOf(state, b)}`;
  if (kind === 'cut') {
    if (isCut) return refuse('already-cut', `The link between ${names} is already cut.`);
    return { ok: true, events: [{ type: 'linkCut', a, b }] };
  }
  if (!isCut) return refuse('not-cut', `The link between ${names} is not cut.`);
  return { ok: true, events: [{ type: 'linkHealed', a, b }] };
}


/** The filters of a bulk network command, checked: each names a node of the room, or is absent. */
function scopeRefusal(state: RoomState, from: string | undefined, to: string | undefined): Refusal | null {
  for (const id of [from, to]) if (id !== undefined && !state.nodes[id]) return unknownNode(id);
  return null;
}

function inScope(m: Message, from: string | undefined, to: string | undefined): boolean {
  return (from === undefined || m.from === from) && (to === undefined || m.to === to);
}

function scopeWords(state: RoomState, from: string | undefined, to: string | undefined): string {
  return scopeLabel((id) => nameOf(state, id), from, to);
}

/**
 * Delivers every message in scope that can arrive now, one after another as `deliver`
 * would, so that each acceptor answers with the state the deliveries before it left.
 * Replies made on the way stay in flight. A seed shuffles the order (Fisher-Yates).
 */
function decideDeliverAll(state: RoomState, from: string | undefined, to: string | undefined, seed: number | undefined): Decision {
  const bad = scopeRefusal(state, from, to);
  if (bad) return bad;
  const ids = state.inFlight.filter((m) => inScope(m, from, to) && canArrive(state, m)).map((m) => m.id);
  if (ids.length === 0) {
    const waiting = state.inFlight.filter((m) => inScope(m, from, to)).length;
    const where = scopeWords(state, from, to);
    return refuse(
      'nothing-in-flight',
      waiting
        ? `None of the ${waiting} messages in flight${where ? ` ${where}` : ''} can arrive now: they wait for a crashed node or a cut link. Recover the node or heal the link, or drop them.`
        : `No message is in flight${where ? ` ${where}` : ''}: there is nothing to deliver.`,
    );
  }
  if (seed !== undefined) {
    const rng = new Rng(seed);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
  }
  const sim = cloneRoomState(state);
  const deliveries: { id: number; reply: AnyReply | null }[] = [];
  for (const id of ids) {
    const m = sim.inFlight[inFlightIndex(sim.inFlight, id)]!;
    const reply = replyOnArrival(sim, m, sim.nextMessageId);
    // An acceptance whose notices would overflow the network waits in flight for a later delivery.
    if (sim.inFlight.length + notices(sim, reply) > LIMITS.inFlightMax) continue;
    deliveries.push({ id, reply });
    apply(sim, { type: 'delivered', id, reply });
  }
  if (deliveries.length === 0) {
    return refuse(
      'network-full',
      `Each message that can arrive now is an accept request whose acceptance would tell more learners than the network has room for: it holds ${state.inFlight.length} of at most ${LIMITS.inFlightMax} messages. Deliver or drop some first.`,
    );
  }
  return {
    ok: true,
    events: [{ type: 'deliveredAll', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(seed !== undefined ? { seed } : {}), deliveries }],
  };
}

/** A message can arrive now: its recipient is in the room and up, and their link is not cut. */
function canArrive(state: RoomState, m: Message): boolean {
  const to = state.nodes[m.to];
  return !!to && to.up && linkUp(state, m.from, m.to);
}

function decideDropAll(state: RoomState, from: string | undefined, to: string | undefined): Decision {
  const bad = scopeRefusal(state, from, to);
  if (bad) return bad;
  const ids = state.inFlight.filter((m) => inScope(m, from, to)).map((m) => m.id);
  if (ids.length === 0) {
    const where = scopeWords(state, from, to);
    return refuse('nothing-in-flight', `No message is in flight${where ? ` ${where}` : ''}: there is nothing to drop.`);
  }
  return { ok: true, events: [{ type: 'droppedAll', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ids }] };
}

/** Splits the room: every link between two groups is cut; links inside a group are left as they are. */
function decidePartition(state: RoomState, groups: readonly (readonly string[])[]): Decision {
  const nonEmpty = groups.filter((g) => g.length > 0);
  if (nonEmpty.length < 2) return refuse('bad-partition', 'A partition needs at least two groups of nodes.');
  const seen = new Set<string>();
  for (const g of nonEmpty) {
    for (const id of g) {
      if (!state.nodes[id]) return unknownNode(id);
      if (seen.has(id)) return refuse('bad-partition', `${nameOf(state, id)} is in two groups: each node belongs to one side of a partition.`);
      seen.add(id);
    }
  }
  const links: [string, string][] = [];
  nonEmpty.forEach((g, gi) => {
    for (const h of nonEmpty.slice(gi + 1)) for (const a of g) for (const b of h) if (!state.cut.includes(linkKey(a, b))) links.push([a, b]);
  });
  if (links.length === 0) return refuse('already-cut', 'Every link between these groups is already cut.');
  return { ok: true, events: [{ type: 'partitioned', groups: nonEmpty.map((g) => g.slice()), links }] };
}
