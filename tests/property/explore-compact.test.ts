/**
 * The compact search plays the room's rules written again for integer records
 * (shared/src/explore/compact.ts). Here it is checked against the room itself: over many
 * states reached by random schedules of the explorer's own commands (every rule-breaking
 * mode, both learner settings, both deliveries, students answering or not, plain and unique
 * ballots, crashes, cut links and a node joining), the commands the compact model finds
 * enabled are exactly those `decide` accepts, and each leads to the record of the state
 * `decide` and `apply` lead to; and so for rooms whose nodes run learners' own programs
 * (tests/byo/corpus), which the compact search calls as the room does. Then whole searches
 * count the same states both ways.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CompactRoom,
  DEFAULT_SETTINGS,
  Exploration,
  KeyParts,
  RULE_MODE_NAMES,
  Rng,
  SAFE_RULES,
  apply,
  decide,
  initialRoomState,
  resolveBounds,
  roomSuccessors,
  type ExploreBounds,
  type ExploreResult,
  type RoomSettings,
  type RoomState,
  type NodePrograms,
  type RuleModes,
} from '@toy-paxos/shared';
import { loadLearnerNode } from '../../scripts/learner-node';

interface Setup {
  readonly name: string;
  readonly settings: RoomSettings;
  readonly bounds: ExploreBounds;
}

/** Every combination of the settings that change how a command plays. */
function setups(): Setup[] {
  const out: Setup[] = [];
  const modes: Partial<RuleModes>[] = [{}, ...RULE_MODE_NAMES.map((m) => ({ [m]: true })), Object.fromEntries(RULE_MODE_NAMES.map((m) => [m, true]))];
  let k = 0;
  for (const learners of ['everyone', 'proposer'] as const) {
    for (const delivery of ['instant', 'queued'] as const) {
      for (const acceptorMode of ['rules', 'students'] as const) {
        for (const rules of modes) {
          k++;
          const settings: RoomSettings = {
            ...DEFAULT_SETTINGS,
            learners,
            delivery,
            acceptorMode,
            ballots: k % 3 === 0 ? 'plain' : 'unique',
            // Small quorums now and then, as the small-quorums preset sets them.
            ...(k % 4 === 0 ? { q1: 1, q2: 2 } : {}),
            rules: { ...SAFE_RULES, ...rules },
          };
          const name = `${learners} learn, ${delivery}, ${acceptorMode} answer, ${settings.ballots} ballots, ${Object.keys(rules).join(' ') || 'safe'}`;
          out.push({ name, settings, bounds: { values: ['Apple', 'Mango'], roundMax: 3, cuts: true, crashes: true, copiesMax: 2, joiners: k % 2 ? ['D'] : [] } });
        }
      }
    }
  }
  return out;
}

/** A room of A, B and C (C a bot, which answers by the rules even when students answer), each running `programs` when given. */
function start(settings: RoomSettings, programs: NodePrograms | null = null): RoomState {
  const s = initialRoomState(settings);
  if (programs) s.programs = { A: programs, B: programs, C: programs };
  for (const node of ['A', 'B', 'C']) {
    const d = decide(s, { type: 'addNode', node, bot: node === 'C' });
    if (!d.ok) throw new Error(d.explanation);
    for (const e of d.events) apply(s, e);
  }
  return s;
}

/** Checks one state: the same commands enabled both ways, and the same successor for each. Returns the room's successors. */
function compare(s: RoomState, sent: readonly string[], bounds: ExploreBounds) {
  const b = resolveBounds(s, { ...bounds, joiners: bounds.joiners?.filter((id) => !s.nodes[id]) });
  const hits = { copies: false, rounds: false };
  const exact = roomSuccessors(s, sent, b, new KeyParts(), hits);
  const room = CompactRoom.create(s, b);
  expect(room, 'the records hold every state the explorer reaches').not.toBeNull();
  const found = new Map<string, Int32Array>();
  room!.expand(room!.encode(s, sent), (code) => {
    found.set(JSON.stringify(room!.command(s, code)), room!.t.slice(0, room!.tLen));
  });
  expect([...found.keys()].sort()).toEqual(exact.map(([c]) => JSON.stringify(c)).sort());
  for (const [command, next, nextSent] of exact) {
    expect(found.get(JSON.stringify(command)), JSON.stringify(command)).toEqual(room!.encode(next, nextSent));
  }
  expect({ copies: room!.hitCopies, rounds: room!.hitRounds }).toEqual(hits);
  return exact;
}

/** Random walks of `walks` schedules from the start, each state compared both ways; the number of successors compared. */
function walks(name: string, first: () => RoomState, bounds: ExploreBounds, count: number): number {
  const rng = new Rng(name.length * 7919 + name.charCodeAt(0));
  let compared = 0;
  for (let walk = 0; walk < count; walk++) {
    let s = first();
    let sent: readonly string[] = [];
    for (let step = 0; step < 30; step++) {
      const next = compare(s, sent, bounds);
      compared += next.length;
      if (next.length === 0) break;
      [, s, sent] = next[rng.int(0, next.length - 1)]!;
    }
  }
  return compared;
}

describe('the compact model plays exactly what the room plays', () => {
  for (const setup of setups()) {
    it(setup.name, () => {
      expect(walks(setup.name, () => start(setup.settings), setup.bounds, 4)).toBeGreaterThan(200);
    });
  }
});

describe('the compact model plays learners’ programs exactly as the room runs them', () => {
  const corpus = join(import.meta.dirname, '..', 'byo', 'corpus');
  const files = readdirSync(corpus).sort();
  // The corpus's programs, each in a few settings; D joins running the room's programs.
  const settings: RoomSettings[] = [
    { ...DEFAULT_SETTINGS, learners: 'proposer', rules: SAFE_RULES },
    { ...DEFAULT_SETTINGS, delivery: 'queued', rules: SAFE_RULES },
    { ...DEFAULT_SETTINGS, acceptorMode: 'students', ballots: 'plain', rules: SAFE_RULES },
  ];
  for (const file of files) {
    it(file, () => {
      const { programs } = loadLearnerNode({ both: join(corpus, file) });
      let compared = 0;
      settings.forEach((s, k) => {
        const bounds = { values: ['Apple', 'Mango'], roundMax: 3, cuts: true, crashes: true, copiesMax: 2, joiners: k === 0 ? ['D'] : [] };
        compared += walks(`${file} ${k}`, () => start(s, programs), bounds, 2);
      });
      expect(compared).toBeGreaterThan(100);
    });
  }
});

describe('whole searches count the same states both ways', () => {
  const cases: [string, RoomSettings, ExploreBounds][] = [
    ['queued, every node learning, copies', { ...DEFAULT_SETTINGS, delivery: 'queued' }, { values: ['Apple'], proposers: ['A'], crashes: false, copiesMax: 2, depthMax: 9 }],
    ['students answer, break promises', { ...DEFAULT_SETTINGS, acceptorMode: 'students', rules: { ...SAFE_RULES, breakPromises: true } }, { values: ['Apple'], proposers: ['A', 'B'], crashes: false, depthMax: 9 }],
    ['cut links and forget on crash', { ...DEFAULT_SETTINGS, rules: { ...SAFE_RULES, forgetOnCrash: true } }, { values: ['Apple'], proposers: ['A'], cuts: true, depthMax: 6 }],
    ['a joiner, reconfigure mid-round', { ...DEFAULT_SETTINGS, rules: { ...SAFE_RULES, reconfigureMidRound: true } }, { values: ['Apple'], proposers: ['A'], crashes: false, joiners: ['D'] }],
  ];
  for (const [name, settings, bounds] of cases) {
    it(name, () => {
      const fast = new Exploration(start(settings), bounds);
      const exact = new Exploration(start(settings), bounds, null, 'exact');
      expect(fast.engine).toBe('compact');
      const [f, e] = [fast.run()!, exact.run()!];
      // The two may find different schedules of the same length: they try commands in different orders.
      const lengths = (r: ExploreResult) => ({
        ...r,
        engine: null,
        chosen: r.chosen.map((c) => [c.value, c.commands.length]),
        violations: r.violations.map((v) => [v.rule, v.commands.length]),
      });
      expect(lengths(f)).toEqual(lengths(e));
    });
  }
});
