/**
 * The classroom: the joins and sessions into its rooms, and the commands of the protocol,
 * with no transport. The socket layer calls these methods and passes a `Broadcaster` that
 * knows how to reach the sockets. The rooms themselves, and how a change reaches them and
 * the store, are rooms.ts's; what a client's event asks of the core is commands.ts's.
 */
import {
  analyticsFor,
  carryStudents,
  CHECKPOINT_LIMITS,
  classAnalytics,
  decide,
  decideOpenCheckpoint,
  REFUSAL_CODES,
  revealStep,
  successorState,
  INSTRUCTOR_EVENTS,
  invariant,
  otherValueQuestion,
  PROTOCOL_VERSION,
  RECENT_RECORDS,
  type AnalyticsReply,
  type HistoryEvent,
  type HistoryPage,
  type ClientEventName,
  type CommandResult,
  type ErrorCode,
  type LogRecord,
  type RoomEvent,
  type RoomState,
  type SessionInfo,
} from '@toy-paxos/shared';
import type { ClientPayload } from '@toy-paxos/shared/protocol';
import { growthRefused, logFull, toCommand } from './commands';
import { fail, type Outcome } from './outcome';
import { STORE_UNAVAILABLE } from './commit';
import { expiryAfter } from './config';
import { answerProblem, checkpointStatus, forTheClass } from './checkpoints';
import { participantId, type Participant, type Room } from './room';
import { once, RoomHost, type Reply, type Session } from './rooms';
import { hashToken, newToken } from './security';
import type { RoomChange, StoredBranch, StoredParticipant } from './store';

export type { Broadcaster, ClassroomOptions, Reply, Session } from './rooms';
export type { Outcome } from './outcome';

/** Timelines a room keeps at most (the main one included). */
const BRANCHES_MAX = 20;

export class Classroom extends RoomHost {
  /** Joins not confirmed whose pages are all gone, by token hash: taken back when the grace runs out. */
  readonly #takeBack = new Map<string, NodeJS.Timeout>();

  /** A new participant joins by code: a student becomes one node; an observer only watches. */
  join(payload: ClientPayload<'room:join'>, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>): void {
    this.#joinByCode(payload, nowMs, once(reply), false);
  }

  #joinByCode(payload: ClientPayload<'room:join'>, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>, looked: boolean): void {
    // The store may hold the room, and cannot be asked.
    if (this.storeDown) return reply({ ok: false, error: STORE_UNAVAILABLE });
    const room = this.rooms.get(payload.code);
    if (!room && !looked && this.peers) {
      // Opened by another process, perhaps a moment ago.
      void this.findRoom(payload.code).then(() => this.continued(reply, 'a join failed', () => this.#joinByCode(payload, nowMs, reply, true)));
      return;
    }
    if (!room) return reply(fail('room-not-found', `There is no room ${payload.code}. Check the code with your instructor.`));
    this.operation(() => this.#join(room, payload, nowMs, reply), (error) => reply({ ok: false, error }));
  }

  #join(room: Room, payload: ClientPayload<'room:join'>, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>): void {
    if (this.rooms.get(room.code) !== room) return reply(fail('room-not-found', `There is no room ${payload.code}. Check the code with your instructor.`));
    // A page's retry of a join it made lately (the same join id): the same session, not another node.
    const made = payload.joinId === undefined ? undefined : room.recentJoins.find(payload.joinId, nowMs);
    const again = made && room.participants.get(made.tokenHash);
    if (made && again?.role === payload.role) return this.#joinAgain(room, again, made.token, payload, nowMs, reply);
    if (room.locked) return reply(fail('room-locked', 'The instructor has locked this room: ask them to unlock it to let you in.'));
    const token = newToken();
    const tokenHash = hashToken(token);
    let participant: StoredParticipant;
    let events: readonly RoomEvent[] = [];
    let pruned: string[] = [];
    if (payload.role === 'student') {
      if (room.log.state.order.length >= this.limits.nodesPerRoomMax) {
        return reply(fail('room-full', `This room has ${this.limits.nodesPerRoomMax} nodes, its limit; join as an observer to watch.`));
      }
      const full = logFull(room, this.limits, 1);
      if (full) return reply(full);
      const node = room.nextNodeId();
      const name = room.uniqueName(payload.name);
      const decision = decide(room.log.state, { type: 'addNode', node, name });
      if (!decision.ok) return reply(fail(decision.code, decision.explanation));
      participant = { tokenHash, role: 'student', node, name, createdAt: nowMs };
      events = decision.events;
    } else {
      // Only observers who are watching (or on their way in) count; offline ones (a projector
      // closed and opened again) make room when it is needed: their sessions end.
      const observers = [...room.participants.values()].filter((p) => p.role === 'observer');
      const watching = observers.filter((p) => room.isOnline(p.tokenHash) || room.joining.has(p.tokenHash));
      if (watching.length >= this.limits.observersPerRoomMax) {
        return reply(fail('room-full', `This room has ${this.limits.observersPerRoomMax} observers, its limit: join as a student, or ask the instructor to remove an observer.`));
      }
      if (observers.length >= this.limits.observersPerRoomMax) pruned = observers.filter((p) => !watching.includes(p)).map((p) => p.tokenHash);
      participant = { tokenHash, role: 'observer', node: null, name: payload.name, createdAt: nowMs };
    }
    for (const h of pruned) this.#forget(room, h);
    this.addParticipant(room, participant);
    room.joining.add(tokenHash);
    if (payload.joinId !== undefined) {
      room.recentJoins.remember(payload.joinId, tokenHash, token, nowMs);
      room.unconfirmed.add(tokenHash);
    }
    const joined = (outcome: Outcome<{ session: Session; info: SessionInfo }>) => {
      room.joining.delete(tokenHash);
      reply(outcome);
    };
    this.change(room, nowMs, events, { participants: [participant], removeParticipants: pruned }, joined, () => {
      if (pruned.length) this.out.ended(room.code, pruned, 'removed');
      // A catch-up that replaced the participant before the commit had the join decided again (catch-up.ts).
      const joinedAs = room.participants.get(tokenHash);
      invariant(joinedAs, `a committed join's participant is in room ${room.code}`);
      joined({ ok: true, value: this.#sessionInfo(room, joinedAs, token, 0, nowMs) });
    });
  }

  /**
   * Answers a join again with the session it made: after the join's own commit (it may still
   * be on its way), with the records committed by then; a join taken back meanwhile is made anew.
   */
  #joinAgain(room: Room, p: Participant, token: string, payload: ClientPayload<'room:join'>, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>): void {
    // Not taken back while it is being answered: its page is back.
    this.#keep(p.tokenHash);
    this.enqueue({
      room,
      change: null,
      records: [],
      done: () => {
        const held = room.participants.get(p.tokenHash);
        if (!held) return this.operation(() => this.#join(room, payload, nowMs, reply), (error) => reply({ ok: false, error }));
        reply({ ok: true, value: this.#sessionInfo(room, held, token, 0, nowMs) });
      },
      failed: (error) => reply({ ok: false, error }),
    });
  }

  /** The page has the session its join (made with a join id) was answered with: the join stands. */
  confirm(session: Session): void {
    this.rooms.get(session.code)?.unconfirmed.delete(session.tokenHash);
    this.#keep(session.tokenHash);
  }

  /** Stops a join's taking back, if it was waiting for it. */
  #keep(tokenHash: string): void {
    clearTimeout(this.#takeBack.get(tokenHash));
    this.#takeBack.delete(tokenHash);
  }

  /** Stops the timers of joins waiting to be taken back (the server is closing). */
  stop(): void {
    for (const timer of this.#takeBack.values()) clearTimeout(timer);
    this.#takeBack.clear();
  }

  /**
   * Takes back a join whose socket closed before it was answered: nobody holds its token,
   * and a node nobody holds would count toward every quorum for good. Its node is removed
   * (the log shows it join and leave), so a retry with the same name gets that name.
   */
  abandon(session: Session, nowMs: number): void {
    // Refused while the database is out of reach: the node stays (the instructor can remove it).
    this.operation(() => {
      const room = this.rooms.get(session.code);
      const p = room?.participants.get(session.tokenHash);
      if (!room || !p || room.isOnline(p.tokenHash)) return;
      this.#remove(room, p.node, p, nowMs, () => undefined);
    }, () => undefined);
  }

  /** Drops a participant from memory (its row goes in the same change). */
  #forget(room: Room, tokenHash: string): void {
    room.participants.delete(tokenHash);
    room.online.delete(tokenHash);
    room.joining.delete(tokenHash);
    room.unconfirmed.delete(tokenHash);
    this.byToken.delete(tokenHash);
  }

  /**
   * Removes a node, a participant, or a student and its node together; the participant's
   * session ends. `node` is null for a participant without one (the instructor never comes here).
   */
  #remove(room: Room, node: string | null, owner: Participant | undefined, nowMs: number, reply: Reply<CommandResult>): void {
    let events: readonly RoomEvent[] = [];
    if (node !== null && (room.log.state.nodes[node] || !owner)) {
      const decision = decide(room.log.state, { type: 'removeNode', node });
      if (!decision.ok) return reply(fail(decision.code, decision.explanation));
      const full = logFull(room, this.limits, decision.events.length);
      if (full) return reply(full);
      events = decision.events;
    }
    if (owner) this.#forget(room, owner.tokenHash);
    // The replay link's viewer is the link itself: removing it revokes the link.
    const viewer = owner?.role === 'viewer';
    if (viewer) room.shareToken = null;
    const seqStart = room.log.length + 1;
    this.change(room, nowMs, events, owner ? { removeParticipants: [owner.tokenHash] } : {}, reply, () => {
      if (owner) this.out.ended(room.code, [owner.tokenHash], viewer ? 'revoked' : 'removed');
      this.tellPresence(room);
      // A removed student's answer no longer counts: the class hears the count again.
      if (events.length) this.tellAnswered(room);
      reply({ ok: true, value: { seqs: events.map((_, i) => seqStart + i) } });
    });
  }

  /**
   * Older events of the active timeline, for a page that got only the newest with its
   * session: `from..to` (committed ones only), with the state before them, and their
   * text only when asked for. Any role may read; nothing changes.
   */
  history(session: Session, payload: ClientPayload<'room:history'>, reply: Reply<{ history: HistoryPage }>): void {
    const room = this.rooms.get(session.code);
    if (!room || !room.participants.has(session.tokenHash)) return reply(fail('bad-token', 'Your session has ended. Join the room again with its code.'));
    const { from, to, text } = payload;
    const length = room.timeline.committed;
    if (length === 0) return reply(fail('bad-request', 'The log has no events yet: there is no history to fetch.'));
    if (to > length) return reply(fail('bad-request', `The log has ${length} events: ask for events up to ${length}.`));
    const t = room.timeline;
    const records = text
      ? room.records(from, to)
      : t.log.eventsBetween(from, to).map((event, i) => ({ seq: from + i, at: t.times.at(from + i), event }));
    const base = t.log.stateAt(from - 1);
    if (session.role === 'instructor') return reply({ ok: true, value: { history: { branch: room.active, base, records } } });
    const hide = forTheClass(room, room.participants.get(session.tokenHash)?.node ?? null);
    reply({ ok: true, value: { history: { branch: room.active, base: hide.state(base)!, records: [...hide.records<HistoryEvent | LogRecord>(records)] } } });
  }

  /** A participant comes back with its token, the last seq it has, and the timeline that seq is on. */
  resume(token: string, lastSeq: number, branch: number | undefined, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>): void {
    this.#resume(token, lastSeq, branch, nowMs, once(reply), false);
  }

  #resume(token: string, lastSeq: number, branch: number | undefined, nowMs: number, reply: Reply<{ session: Session; info: SessionInfo }>, looked: boolean): void {
    // The session may be one the store holds and memory does not (yet), or no longer.
    if (this.storeDown) return reply({ ok: false, error: STORE_UNAVAILABLE });
    const tokenHash = hashToken(token);
    const room = this.byToken.get(tokenHash);
    const behind = !room || lastSeq > room.timeline.committed || (branch !== undefined && !room.timelines.has(branch));
    if (behind && !looked && this.peers) {
      // A session from another process (one that stopped, perhaps), or a log this one has not heard all of yet.
      const again = () => this.continued(reply, 'a resume failed', () => this.#resume(token, lastSeq, branch, nowMs, reply, true));
      void this.store
        .roomOfToken(tokenHash)
        .then((code) => (code ? this.commits.exclusive(() => this.catchUp(code)) : undefined))
        .then(again, (e: unknown) => {
          this.storeFailed(e);
          again();
        });
      return;
    }
    if (!room || !room.participants.has(tokenHash)) {
      return reply(fail('bad-token', 'This session is not known here: it ended, or the room expired. Join the room again with its code.'));
    }
    if (branch !== undefined && branch !== room.active) lastSeq = 0; // another timeline: send all of this one
    if (lastSeq > room.log.length) {
      return reply(fail('bad-request', `lastSeq ${lastSeq} is ahead of this room's log (${room.log.length} events): clear your copy and resume from 0.`));
    }
    // After the pending commit, so that the records it gets are all committed.
    const answer = () =>
      this.enqueue({
        room,
        change: null,
        records: [],
        done: () => {
          const p = room.participants.get(tokenHash);
          if (!p || this.rooms.get(room.code) !== room) return reply(fail('bad-token', 'This session has just ended. Join the room again with its code.'));
          reply({ ok: true, value: this.#sessionInfo(room, p, token, lastSeq, nowMs) });
        },
        failed: (error) => reply({ ok: false, error }),
      });
    this.operation(answer, (error) => reply({ ok: false, error }));
  }

  #sessionInfo(room: Room, p: Participant, token: string, lastSeq: number, nowMs: number): { session: Session; info: SessionInfo } {
    return {
      session: { tokenHash: p.tokenHash, code: room.code, role: p.role },
      info: {
        token,
        role: p.role,
        code: room.code,
        title: room.title,
        node: p.node,
        name: p.node ? room.log.state.nodes[p.node]?.name ?? p.name : p.name,
        // Only what is on disk (records still being committed follow by broadcast), and only the newest;
        // the class without the answers not revealed yet.
        ...this.#recentFor(room, p, lastSeq),
        room: this.shownPresence(room),
        settings: room.log.initial.settings,
        presenting: room.presenting,
        timeline: room.timelineInfo(),
        joinUrl: this.joinUrl(room.code),
        protocolVersion: PROTOCOL_VERSION,
        checkpoint: checkpointStatus(room, p, nowMs),
      },
    };
  }

  #recentFor(room: Room, p: Participant, lastSeq: number): { base: RoomState | null; records: LogRecord[] } {
    const recent = room.recent(lastSeq, RECENT_RECORDS);
    if (p.role === 'instructor') return recent;
    const hide = forTheClass(room, p.node);
    return { base: hide.state(recent.base), records: [...hide.records(recent.records)] };
  }

  /**
   * The class analytics from the active timeline's log and the refusals counted: the whole
   * class's for the instructor, a student's own answers and score only.
   */
  analytics(session: Session, reply: Reply<AnalyticsReply>): void {
    const room = this.rooms.get(session.code);
    const p = room?.participants.get(session.tokenHash);
    if (!room || !p) return reply(fail('bad-token', 'Your session has ended. Join the room again with its code.'));
    if (p.role !== 'instructor' && p.role !== 'student') return reply(fail('forbidden', 'Only the instructor sees the class analytics, and each student their own.'));
    const all = classAnalytics(room.log.initial, room.log.events, room.refusals);
    reply({ ok: true, value: { analytics: p.role === 'instructor' ? all : analyticsFor(all, p.node) } });
  }

  /** A student's answer to the open question: held (and stored) until the question closes; the room hears how many have answered. */
  #answer(room: Room, p: Participant, payload: ClientPayload<'checkpoint:answer'>, nowMs: number, reply: Reply<CommandResult>): void {
    const problem = answerProblem(room, p, payload, nowMs);
    if (problem === 'again') return reply({ ok: true, value: { seqs: [], checkpoint: checkpointStatus(room, p, nowMs)! } });
    if (problem) return reply({ ok: false, error: problem });
    const answer = { branch: room.active, checkpoint: payload.id, node: p.node!, option: payload.option };
    room.answers.hold(answer);
    this.enqueue({
      room,
      change: { code: room.code, expiresAt: room.expiresAt, answers: [answer] },
      records: [],
      done: () => {
        this.tellAnswered(room);
        reply({ ok: true, value: { seqs: [], checkpoint: checkpointStatus(room, p, nowMs) ?? { id: payload.id, answered: 0, remainingMs: 0, mine: payload.option } } });
      },
      failed: (error) => reply({ ok: false, error }),
    });
  }

  /**
   * Counts a refusal of the rules for the class analytics; the count is stored with the room.
   * The command was answered already: a catch-up that drops the count before its commit
   * counts it again, rather than deciding the command again.
   */
  #countRefusal(room: Room, code: ErrorCode): void {
    if (!(REFUSAL_CODES as readonly string[]).includes(code)) return;
    if (this.rooms.get(room.code) !== room) return;
    room.refusals[code] = (room.refusals[code] ?? 0) + 1;
    this.enqueue(
      { room, change: { code: room.code, expiresAt: room.expiresAt, refusals: { [code]: 1 } }, records: [], done: () => undefined, failed: () => undefined },
      () => this.#countRefusal(room, code),
    );
  }

  /**
   * A socket of this session connected (+1) or disconnected (-1); presence is broadcast when it
   * changes. When the last one of a join its page has not confirmed closes, the join is taken back.
   */
  setOnline(session: Session, delta: 1 | -1, nowMs: number): void {
    const room = this.rooms.get(session.code);
    if (!room || !room.participants.has(session.tokenHash)) return;
    const before = room.online.get(session.tokenHash) ?? 0;
    const after = Math.max(0, before + delta);
    const wasOnline = room.isOnline(session.tokenHash);
    room.online.set(session.tokenHash, after);
    if (after === 0) this.used(room.code);
    if ((before > 0) !== (after > 0)) this.peers?.send({ kind: 'online', code: room.code, tokenHash: session.tokenHash, online: after > 0 });
    if (wasOnline !== room.isOnline(session.tokenHash)) this.tellPresence(room);
    // The last page of a join it never confirmed is gone: it may never have had the answer.
    // Its retry (the same join id) may come back for it a moment later; else it is taken back.
    if (room.unconfirmed.has(session.tokenHash) && !room.isOnline(session.tokenHash)) {
      const graceMs = this.limits.unconfirmedJoinGraceMs;
      clearTimeout(this.#takeBack.get(session.tokenHash));
      const timer = setTimeout(() => {
        this.#takeBack.delete(session.tokenHash);
        if (this.rooms.get(session.code)?.unconfirmed.has(session.tokenHash)) this.abandon(session, nowMs + graceMs);
      }, graceMs);
      timer.unref();
      this.#takeBack.set(session.tokenHash, timer);
    }
  }

  /** Runs one client command for `session`. Validation of the payload has happened already. */
  command<E extends ClientEventName>(session: Session, event: E, payload: ClientPayload<E>, nowMs: number, reply: Reply<CommandResult>): void {
    const answer = once(reply);
    this.operation(() => this.#command(session, event, payload, nowMs, answer), (error) => answer({ ok: false, error }));
  }

  #command<E extends ClientEventName>(session: Session, event: E, payload: ClientPayload<E>, nowMs: number, reply: Reply<CommandResult>): void {
    const room = this.rooms.get(session.code);
    const participant = room?.participants.get(session.tokenHash);
    if (!room || !participant) return reply(fail('bad-token', 'Your session has ended. Join the room again with its code.'));
    if (event === 'checkpoint:answer') return this.#answer(room, participant, payload as ClientPayload<'checkpoint:answer'>, nowMs, reply);
    if (participant.role === 'observer' || participant.role === 'viewer') {
      return reply(fail('forbidden', 'This is a read-only view of the room; join as a student to control a node.'));
    }
    if (participant.role === 'student' && INSTRUCTOR_EVENTS.includes(event)) {
      return reply(fail('forbidden', 'Only the instructor controls the network and the room.'));
    }
    if (event === 'room:lock') {
      const { locked } = payload as ClientPayload<'room:lock'>;
      room.locked = locked;
      return this.change(room, nowMs, [], { locked }, reply, () => {
        this.tellPresence(room);
        reply({ ok: true, value: { seqs: [] } });
      });
    }
    if (event === 'replay:present') {
      const { seq } = payload as ClientPayload<'replay:present'>;
      if (seq !== null && seq > room.log.length) {
        return reply(fail('bad-request', `The log has ${room.log.length} events; there is no event ${seq} to present.`));
      }
      // After the pending commit, so that every screen has the events it is asked to show.
      return this.enqueue({
        room,
        change: null,
        records: [],
        done: () => {
          // The timeline may have changed meanwhile.
          if (seq !== null && seq > room.log.length) {
            return reply(fail('bad-request', `The log has ${room.log.length} events; there is no event ${seq} to present.`));
          }
          room.presenting = seq;
          this.out.replay(room.code, seq);
          this.peers?.send({ kind: 'present', code: room.code, seq });
          reply({ ok: true, value: { seqs: [] } });
        },
        failed: (error) => reply({ ok: false, error }),
      });
    }
    if (event === 'branch:fork' || event === 'branch:switch') return this.#branch(room, event, payload, nowMs, reply);
    if (event === 'share:create' || event === 'share:revoke') return this.#share(room, event, nowMs, reply);
    if (event === 'participant:remove') {
      const { node, id } = payload as ClientPayload<'participant:remove'>;
      const owner = [...room.participants.values()].find((p) => (id === undefined ? p.node === node : participantId(p.tokenHash) === id));
      if (owner?.role === 'instructor') return reply(fail('bad-request', 'The instructor cannot be removed from their own room.'));
      if (id !== undefined && !owner) return reply(fail('unknown-node', 'There is no participant with that id in this room.'));
      return this.#remove(room, owner ? owner.node : node!, owner, nowMs, reply);
    }
    const mapped = toCommand(room, participant, event, payload);
    if (!mapped.ok) return reply(mapped);
    const { command } = mapped.value;
    const adding = command.type === 'addNode' ? 1 : command.type === 'addNodes' ? command.nodes.length : 0;
    if (adding && room.log.state.order.length + adding > this.limits.nodesPerRoomMax) {
      const now = room.log.state.order.length;
      return reply(fail('room-full', now >= this.limits.nodesPerRoomMax ? `This room has ${this.limits.nodesPerRoomMax} nodes, its limit.` : `This room has ${now} nodes and holds at most ${this.limits.nodesPerRoomMax}: add at most ${this.limits.nodesPerRoomMax - now}.`));
    }
    // An empty budget is refused before the core decides: deciding a request to every node
    // of a large room is the costly part of a command.
    const spent = growthRefused(room, participant, 1, nowMs, false, this.limits, this.attempt > 1);
    if (spent) return reply(spent);
    // A question asked while the instructor presents an earlier moment is about that moment.
    // The "other value" question is answered by the explorer's search, which the server runs.
    const decision =
      command.type === 'openCheckpoint' && room.presenting !== null
        ? decideOpenCheckpoint(room.log.state, command.spec, command.seconds ?? CHECKPOINT_LIMITS.seconds, { state: room.log.stateAt(room.presenting), seq: room.presenting }, false, otherValueQuestion)
        : decide(room.log.state, command, otherValueQuestion);
    if (!decision.ok) {
      this.#countRefusal(room, decision.code);
      return reply(fail(decision.code, decision.explanation));
    }
    const full = logFull(room, this.limits, decision.events.length);
    if (full) return reply(full);
    const fast = growthRefused(room, participant, decision.events.length, nowMs, true, this.limits, this.attempt > 1);
    if (fast) return reply(fast);

    // Renaming a student's node changes its participant row in the same transaction.
    const owner = 'node' in command ? [...room.participants.values()].find((p) => p.node === command.node) : undefined;
    const extra: { participants?: StoredParticipant[] } = {};
    if (command.type === 'renameNode' && owner) {
      extra.participants = [{ ...owner, name: command.name }];
      owner.name = command.name;
    }
    const seqStart = room.log.length + 1;
    // A reveal that plays its step: the step is decided on the state after the reveal, and goes in the same commit.
    const question = command.type === 'revealCheckpoint' ? room.log.state.checkpoints.find((c) => c.id === command.id) : undefined;
    const play = event === 'checkpoint:reveal' && (payload as ClientPayload<'checkpoint:reveal'>).play === true;
    let events = decision.events;
    if (play && question) {
      const step = revealStep(room.log.state, question.question.spec);
      const stepped = step ? decide(successorState(room.log.state, events), step) : null;
      if (stepped?.ok) events = [...events, ...stepped.events];
    }
    this.change(room, nowMs, events, extra, reply, () => {
      if (command.type === 'addNode' || command.type === 'addNodes' || command.type === 'renameNode') {
        this.tellPresence(room);
      }
      reply({ ok: true, value: { seqs: events.map((_, i) => seqStart + i) } });
    });
  }

  /**
   * Forks a what-if branch of the active timeline, or switches to another timeline; either way
   * everyone follows. Every student keeps their node: the nodes the timeline lacks (students who
   * joined after its fork point, or on another timeline) join it in the same commit, as the
   * core decides (shared/src/timelines.ts).
   */
  #branch(room: Room, event: 'branch:fork' | 'branch:switch', payload: unknown, nowMs: number, reply: Reply<CommandResult>): void {
    let change: Partial<RoomChange>;
    let apply: () => void;
    if (event === 'branch:fork') {
      const { seq, name } = payload as ClientPayload<'branch:fork'>;
      if (seq > room.log.length) return reply(fail('bad-request', `The timeline has ${room.log.length} events; it cannot fork after event ${seq}.`));
      if (room.timelines.size >= BRANCHES_MAX) return reply(fail('room-full', `A room keeps at most ${BRANCHES_MAX} timelines.`));
      const meta: StoredBranch = { id: Math.max(...room.timelines.keys()) + 1, name, parent: room.active, forkSeq: seq, createdAt: nowMs };
      change = { createBranch: meta, activeBranch: meta.id };
      apply = () => {
        room.fork(meta);
        room.active = meta.id;
      };
    } else {
      const { id } = payload as ClientPayload<'branch:switch'>;
      if (!room.timelines.has(id)) return reply(fail('bad-request', `There is no timeline ${id} in this room.`));
      change = { activeBranch: id };
      apply = () => (room.active = id);
    }
    // Applied at once, so that later commands land on the new timeline; reverted by a reload if the commit fails.
    apply();
    const carried = this.#carry(room);
    const target = room.timeline;
    const first = room.log.length + 1;
    // Not broadcast as records: pages still on the old timeline would append them to it. The
    // `room:timeline` sent once they are committed carries them.
    if (carried.length) room.apply(carried, nowMs);
    room.presenting = null;
    room.expiresAt = expiryAfter(nowMs, this.limits.roomTtlMs);
    const events = carried.map((e, i) => ({ seq: first + i, at: nowMs, event: e }));
    this.enqueue({
      room,
      change: { code: room.code, expiresAt: room.expiresAt, ...change, ...(events.length ? { branch: room.active, events } : {}) },
      records: [],
      done: () => {
        if (events.length) target.committed = Math.max(target.committed, events.at(-1)!.seq);
        this.sendTimeline(room);
        this.tellPresence(room);
        reply({ ok: true, value: { seqs: events.map((e) => e.seq) } });
      },
      failed: (error) => reply({ ok: false, error }),
    });
  }

  /**
   * The nodes the active timeline lacks for the room's students, decided by the core: none
   * when its log is full (those students watch it, and their pages say why).
   */
  #carry(room: Room): readonly RoomEvent[] {
    const students = [...room.participants.values()]
      .filter((p) => p.role === 'student' && p.node !== null && !room.log.state.nodes[p.node])
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((p) => ({ node: p.node!, name: p.name }));
    if (students.length === 0) return [];
    const { events } = carryStudents(room.log.state, students, this.limits.nodesPerRoomMax);
    return events.length && !logFull(room, this.limits, events.length) ? events : [];
  }

  /**
   * The room's read-only replay link. Its token is a viewer participant (stored hashed,
   * like every token), so it survives restarts; the link carries the token in its
   * fragment, which browsers never send to a server. Creating it again gives a new
   * link only after a revoke.
   */
  #share(room: Room, event: 'share:create' | 'share:revoke', nowMs: number, reply: Reply<CommandResult>): void {
    const viewers = [...room.participants.values()].filter((p) => p.role === 'viewer');
    if (event === 'share:revoke') {
      for (const v of viewers) this.#forget(room, v.tokenHash);
      room.shareToken = null;
      return this.change(room, nowMs, [], { removeParticipants: viewers.map((v) => v.tokenHash) }, reply, () => {
        this.peers?.send({ kind: 'share', code: room.code, token: null });
        this.out.ended(room.code, viewers.map((v) => v.tokenHash), 'revoked');
        this.tellPresence(room);
        reply({ ok: true, value: { seqs: [] } });
      });
    }
    if (room.shareToken) return reply({ ok: true, value: { seqs: [], link: this.#shareLink(room.code, room.shareToken) } });
    // A link from before a restart cannot be shown again (only its hash is kept): replace it.
    for (const v of viewers) this.#forget(room, v.tokenHash);
    const token = newToken();
    const viewer: StoredParticipant = { tokenHash: hashToken(token), role: 'viewer', node: null, name: 'Replay link', createdAt: nowMs };
    this.addParticipant(room, viewer);
    room.shareToken = token;
    const replaced = viewers.map((v) => v.tokenHash);
    this.change(room, nowMs, [], { participants: [viewer], removeParticipants: replaced }, reply, () => {
      this.peers?.send({ kind: 'share', code: room.code, token });
      if (replaced.length) {
        this.out.ended(room.code, replaced, 'revoked');
        this.tellPresence(room);
      }
      reply({ ok: true, value: { seqs: [], link: this.#shareLink(room.code, token) } });
    });
  }

  #shareLink(code: string, token: string): string {
    return `${this.publicUrl}/watch/${code}#${token}`;
  }

}
