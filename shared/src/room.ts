/**
 * The room as an event log: `evolve(state, event)`, which applies one event. `decide`
 * (decide.ts) checks a command and returns the events it causes. Events carry every
 * outcome (who answered what), so `evolve` never decides anything and the same log always
 * folds to the same state. The room's own events (membership, rounds, settings, the
 * network, crashes, links, checkpoints) are folded here; a protocol's events and the
 * arrival of its messages are handed to its module (protocols/registry.ts). The room's
 * data types are in room-state.ts, re-exported here.
 */
import { assertNever, invariant } from './invariant';
import { cloneNode, createNode, type Message, type NodeState } from './node';
import type { NodePrograms } from './programs/types';
import { cloneMonitor, emptyMonitor } from './monitor';
import type { CheckpointState } from './checkpoint-state';
import { completeSettings, DEFAULT_SETTINGS, type RoomSettings } from './settings';
import { bumpIds, enqueue, inFlightIndex, linkKey, programsOf, roomQuorums, roomWith, type AnyReply, type RoomEvent, type RoomState } from './room-state';
import { eventOwner, messageOwner, PROTOCOLS, protocolOf, restartProtocolState } from './protocols/registry';
import { isProtocolEvent } from './protocols/kinds';

export * from './room-state';
export { noticeTargets } from './protocols/single';

/** An empty room with the given settings. */
export function initialRoomState(settings: RoomSettings = DEFAULT_SETTINGS): RoomState {
  const complete = completeSettings(settings);
  // The protocol's part comes first, as rooms have always been written out.
  const s = {} as RoomState;
  protocolOf(complete).startState(s);
  return Object.assign(s, {
    seq: 0,
    settings: complete,
    round: 1,
    nodes: {},
    order: [],
    members: [],
    fixed: false,
    nextSettings: null,
    reconfigured: false,
    inFlight: [],
    held: {},
    nextMessageId: 1,
    cut: [],
    monitor: emptyMonitor(),
    checkpoints: [],
  });
}

/** A copy of `s` that shares nothing mutable with it, so `apply` can change it in place. */
export function cloneRoomState(s: RoomState): RoomState {
  const nodes: Record<string, NodeState> = {};
  for (const id of s.order) nodes[id] = cloneNode(s.nodes[id]!);
  const copy = roomWith(s, nodes, cloneMonitor(s.monitor));
  for (const p of PROTOCOLS) p.copyState(s, copy);
  return copy;
}


// ---------------------------------------------------------------------------
// evolve

/** Applies one event to a copy of `state`: pure. */
export function evolve(state: RoomState, event: RoomEvent): RoomState {
  const next = cloneRoomState(state);
  apply(next, event);
  return next;
}

/** Applies events in order to a copy of `state`: pure, with one copy for the whole run. */
export function fold(state: RoomState, events: Iterable<RoomEvent>): RoomState {
  const next = cloneRoomState(state);
  for (const e of events) apply(next, e);
  return next;
}

/**
 * Applies one event to `s` in place. Only `evolve` and `fold`, and the log's snapshot
 * machinery, call it, always on a state they own.
 */
export function apply(s: RoomState, event: RoomEvent): void {
  s.seq += 1;
  switch (event.type) {
    case 'nodeAdded': {
      invariant(!s.nodes[event.node], `node ${event.node} is added twice`);
      const q2 = roomQuorums(s).q2;
      s.nodes[event.node] = freshNode(s, event.node, event.name, event.bot);
      s.order.push(event.node);
      if (!event.nextRound) s.members.push(event.node);
      if (!event.nextRound && s.fixed) s.reconfigured = true;
      if (event.nextRound && event.carried) s.carried = [...(s.carried ?? []), event.node];
      protocolOf(s).quorumMoved(s, q2);
      return;
    }
    case 'nodeRemoved': {
      const q2 = roomQuorums(s).q2;
      delete s.nodes[event.node];
      protocolOf(s).nodeRemoved(s, event.node);
      s.order = s.order.filter((id) => id !== event.node);
      if (!event.nextRound && s.fixed && s.members.includes(event.node)) s.reconfigured = true;
      if (!event.nextRound) s.members = s.members.filter((id) => id !== event.node);
      if (s.carried?.includes(event.node)) {
        s.carried = s.carried.filter((id) => id !== event.node);
        if (s.carried.length === 0) delete s.carried;
      }
      s.cut = s.cut.filter((k) => !k.split('|').includes(event.node));
      for (const [id, m] of Object.entries(s.held)) if (m.to === event.node) delete s.held[Number(id)];
      protocolOf(s).quorumMoved(s, q2);
      return;
    }
    case 'nodeRenamed':
      node(s, event.node).name = event.name;
      return;
    case 'settingsChanged': {
      const q2 = roomQuorums(s).q2;
      if (s.fixed && (event.settings.q1 !== s.settings.q1 || event.settings.q2 !== s.settings.q2)) s.reconfigured = true;
      const protocol = s.settings.protocol;
      s.settings = completeSettings(event.settings);
      s.nextSettings = event.nextRound ? completeSettings(event.nextRound) : null;
      if (s.settings.protocol !== protocol) restartProtocolState(s);
      protocolOf(s).quorumMoved(s, q2);
      return;
    }
    case 'roundStarted':
      s.round = event.round;
      for (const id of s.order) {
        const n = s.nodes[id]!;
        s.nodes[id] = freshNode(s, n.id, n.name, n.bot);
        // The student's page still runs its program: a new round does not stop it.
        if (n.ownProgram) s.nodes[id].ownProgram = n.ownProgram;
      }
      // A new decision: the nodes in the room now are its acceptors, under the settings waiting for it.
      s.members = s.order.slice();
      delete s.carried;
      s.settings = s.nextSettings ?? s.settings;
      s.nextSettings = null;
      s.fixed = false;
      s.reconfigured = false;
      s.inFlight = [];
      s.held = {};
      s.cut = [];
      s.monitor = emptyMonitor();
      restartProtocolState(s);
      return;
    case 'delivered':
      deliver(s, event.id, event.reply);
      return;
    case 'deliveredAll':
      deliverAll(s, event.deliveries);
      return;
    case 'droppedAll': {
      const gone = new Set(event.ids);
      s.inFlight = s.inFlight.filter((m) => !gone.has(m.id));
      return;
    }
    case 'partitioned':
      for (const [a, b] of event.links) s.cut.push(linkKey(a, b));
      return;
    case 'healedAll': {
      const healed = new Set(event.links.map(([a, b]) => linkKey(a, b)));
      s.cut = s.cut.filter((k) => !healed.has(k));
      return;
    }
    case 'dropped': {
      const index = inFlightIndex(s.inFlight, event.id);
      invariant(index >= 0, `dropped message #${event.id} is not in flight`);
      s.inFlight.splice(index, 1);
      return;
    }
    case 'duplicated': {
      const m = s.inFlight[inFlightIndex(s.inFlight, event.id)];
      invariant(m, `duplicated message #${event.id} is not in flight`);
      enqueue(s, { ...m, id: event.copyId });
      bumpIds(s, event.copyId);
      return;
    }
    case 'crashed': {
      const n = node(s, event.node);
      for (const id of n.inbox) delete s.held[id];
      crashNode(n, programsOf(s, n.id));
      protocolOf(s).crashed(s, event.node);
      return;
    }
    case 'recovered':
      node(s, event.node).up = true;
      return;
    case 'ownProgramSet': {
      const n = node(s, event.node);
      if (event.status === 'off') delete n.ownProgram;
      else n.ownProgram = event.status;
      return;
    }
    case 'linkCut':
      s.cut.push(linkKey(event.a, event.b));
      return;
    case 'linkHealed': {
      const key = linkKey(event.a, event.b);
      s.cut = s.cut.filter((k) => k !== key);
      return;
    }
    case 'checkpointOpened':
      invariant(!s.checkpoints.some((c) => c.id === event.id), `checkpoint #${event.id} is opened twice`);
      s.checkpoints.push({ id: event.id, question: event.question, seconds: event.seconds, seq: s.seq, ...(event.at !== undefined ? { at: event.at } : {}), ...(event.lesson ? { lesson: true as const } : {}), status: 'open', answers: {}, answer: null });
      return;
    case 'checkpointClosed':
      updateCheckpoint(s, event.id, (c) => {
        invariant(c.status === 'open', `checkpoint #${event.id} is closed twice`);
        return { ...c, status: 'closed', answers: event.answers };
      });
      return;
    case 'checkpointRevealed':
      updateCheckpoint(s, event.id, (c) => {
        invariant(c.status === 'closed', `checkpoint #${event.id} is revealed before it is closed, or twice`);
        return { ...c, status: 'revealed', answer: event.answer };
      });
      return;
    case 'proposalStarted':
    case 'sent':
    case 'exchanged':
    case 'lost':
    case 'answered':
      foldByProtocol(s, event);
      return;
    default:
      // The events a protocol module adds to the room's own: its module folds them too.
      if (isProtocolEvent(event)) foldByProtocol(s, event);
      else assertNever(event, 'event');
  }
}
/** Hands a protocol's own event to the module that folds it. */
function foldByProtocol(s: RoomState, event: RoomEvent): void {
  const owner = eventOwner(event);
  invariant(owner, `no protocol folds ${event.type}`);
  owner.apply(s, event);
}

/** Message `id` reaches its recipient; a request is answered with `reply` (or held when null). */
function deliver(s: RoomState, id: number, reply: AnyReply | null): void {
  const index = inFlightIndex(s.inFlight, id);
  invariant(index >= 0, `delivered message #${id} is not in flight`);
  const message = s.inFlight[index]!;
  s.inFlight.splice(index, 1);
  arrive(s, message, reply);
}

/**
 * Many messages reach their recipients, in the order given. The network is compacted once
 * at the end: removing each message as it arrives moved the rest of the array every time,
 * which made a class's deliver-all of 1,500 notices cost as much as a million moves. Replies
 * and notices sent meanwhile enter at the end, as with single deliveries, and may arrive
 * later in the same list.
 */
function deliverAll(s: RoomState, deliveries: readonly { readonly id: number; readonly reply: AnyReply | null }[]): void {
  const network = s.inFlight;
  // Marks by index: `decide` lists only messages in flight before the first delivery, but a
  // log may also deliver a reply sent during the same step, whose index lies past the marks.
  const gone = new Uint8Array(network.length);
  const goneLater = new Set<number>();
  let index = -1;
  for (const d of deliveries) {
    // Without a seed the list follows the network's order: the next message is most often the next one.
    index = network[index + 1]?.id === d.id ? index + 1 : inFlightIndex(network, d.id);
    const again = index < gone.length ? gone[index] === 1 : goneLater.has(d.id);
    invariant(index >= 0 && !again, `delivered message #${d.id} is not in flight`);
    if (index < gone.length) gone[index] = 1;
    else goneLater.add(d.id);
    arrive(s, network[index]!, d.reply);
  }
  const left: Message[] = [];
  for (let i = 0; i < network.length; i++) {
    if (i < gone.length ? gone[i] === 0 : !goneLater.has(network[i]!.id)) left.push(network[i]!);
  }
  s.inFlight = left;
}

/** A message taken from the network reaches its recipient: its protocol's module takes it from here. */
function arrive(s: RoomState, message: Message, reply: AnyReply | null): void {
  const owner = messageOwner(message);
  invariant(reply === null || owner.ownsMessage(reply), `message #${message.id} answered with another protocol's reply`);
  owner.deliver(s, message, reply);
}

function updateCheckpoint(s: RoomState, id: number, change: (c: CheckpointState) => CheckpointState): void {
  const i = s.checkpoints.findIndex((c) => c.id === id);
  invariant(i >= 0, `checkpoint #${id} does not exist`);
  s.checkpoints[i] = change(s.checkpoints[i]!);
}

/** A node as its programs start it: nothing proposed, promised, accepted or learned. */
function freshNode(s: RoomState, id: string, name: string, bot: boolean): NodeState {
  const node = createNode(id, name, bot);
  if (!s.programs?.[id]) return node;
  const { proposer, acceptor, learner } = s.programs[id]!;
  const { choice, heard } = learner.init();
  return { ...node, proposer: proposer.init(0), acceptor: acceptor.init(), choice, heard: { ...heard } };
}

/**
 * A crash: the process stops and its inbox is lost; each program says what of its state
 * survives (the honest ones: the acceptor's state, the choice and the highest round seen).
 */
function crashNode(n: NodeState, programs: NodePrograms): void {
  n.up = false;
  n.inbox = [];
  n.proposer = programs.proposer.onCrash(n.proposer);
  n.acceptor = programs.acceptor.onCrash(n.acceptor);
  const learner = programs.learner.onCrash({ choice: n.choice, heard: n.heard });
  n.choice = learner.choice;
  n.heard = { ...learner.heard };
}

function node(s: RoomState, id: string): NodeState {
  const n = s.nodes[id];
  invariant(n, `event names unknown node ${id}`);
  return n;
}
