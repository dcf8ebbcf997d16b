/**
 * The moment that teaches, as given/when/then: given a preset lesson, when the learner
 * reaches one of its steps, then the core names the entries of that step a learner must
 * not miss, each with a sentence that says why (Paxos Made Simple, P2c; section 3 for
 * Multi-Paxos). The step numbers are the solo sandbox's "Step N of M".
 */
import { describe, expect, it } from 'vitest';
import { keyMoments, lessonSteps, MomentReader, notationIn, parseScenario, PRESETS, runScenario, teaches, type LessonStep } from '@toy-paxos/shared';
import { ok, room } from './helpers';

/** The steps of preset `name`, as "Next step" stops on them. */
function lesson(name: string): LessonStep[] {
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset) throw new Error(`no preset ${name}`);
  return lessonSteps(runScenario(parseScenario(preset.text)));
}

/** Step `n` (1-based) of preset `name`: its script lines, and its key entries as `seq kind: because`. */
function step(name: string, n: number): { source: string; keys: string[]; first: string } {
  const s = lesson(name)[n - 1]!;
  const keys = s.keys.flatMap((k) => k.moments.map((m) => `${k.entry.seq} ${m.kind}: ${m.because}`));
  return { source: [...new Set(s.outcomes.map((o) => o.step.source))].join('; '), keys, first: s.keys[0]?.entry.lines.join('\n') ?? '' };
}

describe('value adoption (Paxos Made Simple, P2c)', () => {
  it("step 7: B's promise, which reports Apple, is the key entry, not C's promise to itself", () => {
    const s = step('value-adoption', 7);
    expect(s.source).toBe('promise C -> B C');
    expect(s.first).toContain('PROMISE Request from C(p: 1.C) to B(acc_p: 1.A)');
    expect(s.keys).toEqual(["10 reported-value: B's promise reports Apple, accepted in ballot 1.A: C now knows of a value that may already be chosen, and it had proposed Mango."]);
  });

  it('step 8: the adoption of Apple is the key entry, with its because, then Apple chosen again', () => {
    const s = step('value-adoption', 8);
    expect(s.source).toBe('accept C -> all');
    expect(s.keys).toEqual([
      "12 adopted-value: C's accept requests carry Apple, not its own Mango: B's promise reported Apple, accepted in ballot 1.A, which may already be chosen (P2c).",
      '13 chosen: A quorum accepted Apple in the later ballot 1.C too: the same value, not a second one, so agreement holds; a later ballot that wins carries the value already chosen (P2c).',
    ]);
  });

  it('step 3: a quorum of promises is a signpost, listed to jump to but not a key entry: the entry says it', () => {
    const s = step('value-adoption', 3);
    expect(s.keys).toEqual([]);
    const run = runScenario(parseScenario(PRESETS.find((p) => p.name === 'value-adoption')!.text));
    const quorum = keyMoments(run.log.stateAt(0), run.log.events).find((m) => m.seq === 6)!;
    expect([quorum.kind, teaches(quorum), quorum.label]).toEqual(['promise-quorum', false, 'A has a quorum of promises for 1.A']);
  });

  it('step 4: the acceptance that makes Apple chosen is the key entry, and every node learns it there', () => {
    expect(step('value-adoption', 4).keys).toEqual(['8 chosen: A quorum of 2 acceptors accepted Apple in ballot 1.A: Apple is chosen, for good; A learns it.']);
  });
});

describe('Flexible Paxos (Q1 = 4, Q2 = 2)', () => {
  it('step 7: three promises are not a quorum of four, and nothing in them teaches more than that', () => {
    const s = step('flexible-paxos', 7);
    expect(s.source).toBe('promise E -> C D E');
    expect(s.keys).toEqual([]);
  });

  it("step 10: B's promise reports Apple (and completes E's quorum of four, a signpost the entry itself says)", () => {
    const s = step('flexible-paxos', 10);
    expect(s.source).toBe('promise E -> B');
    expect(s.keys).toEqual(["17 reported-value: B's promise reports Apple, accepted in ballot 1.A: E now knows of a value that may already be chosen, and it had proposed Mango."]);
  });

  it('step 11: the adoption of Apple comes first, not the last acceptance, whose request still reads val: Mango', () => {
    const s = step('flexible-paxos', 11);
    expect(s.source).toBe('accept E -> C D E');
    expect(s.keys).toEqual([
      "18 adopted-value: E's accept requests carry Apple, not its own Mango: B's promise reported Apple, accepted in ballot 1.A, which may already be chosen (P2c).",
      '19 chosen: A quorum accepted Apple in the later ballot 1.E too: the same value, not a second one, so agreement holds; a later ballot that wins carries the value already chosen (P2c).',
    ]);
  });
});

describe('the ignore-accepted-value mode (P2c broken)', () => {
  it("step 6: B's promise reports Apple, and the rule-breaking mode lets C ignore it", () => {
    const s = step('break-ignore-accepted-value', 6);
    expect(s.source).toBe('promise C -> B C');
    expect(s.keys).toEqual([
      "10 reported-value: B's promise reports Apple, accepted in ballot 1.A: a value that may already be chosen, though this rule-breaking mode lets C ignore it.",
    ]);
  });

  it('step 7: C ignores Apple, then Mango is chosen too: a violation of agreement', () => {
    const s = step('break-ignore-accepted-value', 7);
    expect(s.keys).toEqual([
      "12 rule-broken: Rule-breaking mode: C's accept requests carry its own Mango, though B's promise reported Apple, accepted in ballot 1.A, which may already be chosen (P2c broken).",
      '13 chosen: A quorum of 2 acceptors accepted Mango in ballot 1.C: Mango is chosen too, though Apple was chosen in ballot 1.A; C learns it.',
      '13 violation: Two different values are chosen: Apple in ballot 1.A and Mango in ballot 1.C. Only a single value may be chosen (Paxos Made Simple, section 2.1).',
    ]);
  });
});

describe('Multi-Paxos: a new leader takes over (Paxos Made Simple, section 3)', () => {
  it("step 11: B's own promise reports the half-accepted slot 2, so B must re-propose it", () => {
    const s = step('multi-leader-change', 11);
    expect(s.source).toBe('promise B -> all');
    expect(s.keys).toEqual([
      "17 reported-value: B's own promise reports set y 5 in slot 2, accepted in ballot 1.A: B cannot tell whether other acceptors accepted it too, so it may already be chosen.",
    ]);
  });

  it('step 13: the re-proposal of set y 5 in slot 2, then each slot chosen', () => {
    const s = step('multi-leader-change', 13);
    expect(s.source).toBe('accept B -> all');
    expect(s.keys).toEqual([
      "20 re-proposed: B re-proposes set y 5 in slot 2, not a new command: B's own promise reported it, accepted there in ballot 1.A, and it may already be chosen (P2c, slot by slot).",
      '22 chosen: A quorum of 2 acceptors accepted set y 5 in slot 2, ballot 2.B: it is chosen there, for good; B and C learn it.',
      '25 chosen: A quorum of 2 acceptors accepted set x 9 in slot 3, ballot 2.B: it is chosen there, for good; B and C learn it.',
    ]);
  });

  it('a hole is filled with no-op, so that the later slots can run', () => {
    const s = step('multi-noop-hole', 14);
    expect(s.source).toBe('accept C -> all slot 2');
    expect(s.keys[0]).toBe(
      '23 no-op: C fills slot 2 with no-op: no promise reported a command there and no client sent one, and no node may run slot 3 before slot 2 (Paxos Made Simple, section 3).',
    );
  });
});

describe('refusals and learners', () => {
  it('of three refusals of one ballot, the first that leaves it no way to win is the key entry', () => {
    const s = step('dueling-proposers', 6);
    expect(s.source).toBe('accept A -> all');
    expect(s.keys).toEqual([
      "12 ballot-lost: A, as an acceptor, refuses its own 1.A, having promised 2.B: A's ballot 1.A can no longer get the 2 acceptances it needs, so A must start a new proposal above 2.B.",
    ]);
  });

  it('a value learned apart from its choice is a key entry: the first learner', () => {
    const s = step('chosen-vs-learned', 10);
    expect(s.source).toBe('deliver C -> B');
    expect(s.keys).toEqual(['15 learned: B learns Apple, chosen at event 14: it now knows that a quorum of acceptors accepted it in one ballot.']);
  });

  it('a command that makes many entries names its key ones: given a room, when A proposes, asks for promises and sends accept requests, then the choice is named', () => {
    const log = room(['A', 'B', 'C']);
    const before = log.length;
    ok(log, { type: 'propose', node: 'A', value: 'Kiwi' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'acceptRequest', from: 'A', to: 'all' });
    const moments = keyMoments(log.stateAt(0), log.events).filter((m) => m.seq > before);
    expect(moments.map((m) => `${m.seq} ${m.kind}`)).toEqual(['4 proposal', '6 promise-quorum', '9 chosen']);
  });
});

describe('every preset', () => {
  it('each key moment has a label and one sentence, and a whole log names what its steps name', () => {
    for (const p of PRESETS) {
      const run = runScenario(parseScenario(p.text));
      const all = keyMoments(run.log.stateAt(0), run.log.events);
      for (const m of all) {
        expect(m.label.length, `${p.name} ${m.seq}`).toBeGreaterThan(0);
        expect(m.because, `${p.name} ${m.seq}`).toMatch(/^\S.*[.?)]$/);
        expect(m.because, `${p.name} ${m.seq}`).not.toContain('\n');
      }
      const inSteps = lessonSteps(run, all).flatMap((s) => s.keys.flatMap((k) => k.moments));
      // Every moment that teaches (not a new round's or a question's) is a key entry's of one step.
      expect(inSteps, p.name).toEqual(all.filter(teaches));
    }
  });

  it('a log that grows, read as its events come (a live replay), gives the moments of the whole log', () => {
    for (const p of PRESETS) {
      const { log } = runScenario(parseScenario(p.text));
      const reader = new MomentReader(log.stateAt(0));
      for (let i = 0; i < log.length; i += 3) reader.read(log.events.slice(i, i + 3));
      expect(reader.length, p.name).toBe(log.length);
      expect(reader.moments, p.name).toEqual(keyMoments(log.stateAt(0), log.events));
    }
  });

  it('a Multi-Paxos log has moments to jump to: each leader, quorum of promises, report, re-proposal and slot chosen', () => {
    const run = runScenario(parseScenario(PRESETS.find((p) => p.name === 'multi-leader-change')!.text));
    expect(keyMoments(run.log.stateAt(0), run.log.events).map((m) => `${m.seq} ${m.kind}: ${m.label}`)).toEqual([
      '4 proposal: A leads with 1.A',
      '6 promise-quorum: A has a quorum of promises for 1.A',
      '10 chosen: Slot 1: set x 3 is chosen (ballot 1.A)',
      '15 proposal: B leads with 2.B',
      "17 reported-value: B's promise reports slot 2: set y 5 (1.A)",
      '18 promise-quorum: B has a quorum of promises for 2.B',
      '20 re-proposed: B re-proposes set y 5 in slot 2',
      '22 chosen: Slot 2: set y 5 is chosen (ballot 2.B)',
      '25 chosen: Slot 3: set x 9 is chosen (ballot 2.B)',
    ]);
  });
});

describe('a step reads right: its shown entries agree with their headings', () => {
  it("value adoption step 8 says why the line shows C's own Mango while the request carries Apple", () => {
    const s = lesson('value-adoption')[7]!;
    expect(s.keys.map((k) => s.readings[k.entry.seq])).toEqual([
      'C proposed Mango (val) but must carry Apple, the value B reported (promiser_acc_max): the request carries Apple.',
      'C proposed Mango (val) but must carry Apple, the value B reported (promiser_acc_max): the request carries Apple.',
    ]);
  });

  it('in every step of every preset, an entry shown whose line names a val other than the value it carries is read in words', () => {
    let read = 0;
    for (const p of PRESETS) {
      for (const [i, s] of lessonSteps(runScenario(parseScenario(p.text))).entries()) {
        for (const e of [...s.keys.map((k) => k.entry), ...(s.ending ? [s.ending] : [])]) {
          const val = /^ACCEPT {2}Request from [^(]+\(p: [^,]+, val: (.+?), promiser_acc_max: /.exec(e.lines[0]!)?.[1];
          if (val === undefined || e.data.value === null || val === e.data.value) {
            expect(s.readings[e.seq], `${p.name} step ${i + 1}, event ${e.seq}`).toBeUndefined();
            continue;
          }
          expect(s.readings[e.seq], `${p.name} step ${i + 1}, event ${e.seq}`).toContain(`${val} (val) but must carry ${e.data.value}`);
          read++;
        }
      }
    }
    // value-adoption, flexible-paxos, lost-messages, notebook, acceptor-crash, partition, predict-value-adoption.
    expect(read).toBeGreaterThanOrEqual(7);
  });

  it("the dueling lessons' steps say what ends the duel, once it has ended", () => {
    for (const name of ['dueling-proposers', 'multi-dueling-leaders']) {
      const steps = lesson(name);
      const ends = steps.findIndex((s) => s.said.some((t) => t.startsWith('The duel ends here because')));
      expect(ends, name).toBe(steps.length - 2);
      expect(steps[ends]!.keys.some((k) => k.moments.some((m) => m.kind === 'chosen')), name).toBe(true);
    }
  });

  it('names the notation a text uses, for the step to explain it', () => {
    expect(notationIn('PROMISE Request from C(p: 1.C) to B(acc_p: 1.A) ... (P2c)')).toEqual(['ballot', 'acc_p', 'P2c']);
    expect(notationIn('[TELL] C told; a quorum; promised 1.A; livelock')).toEqual(['quorum', 'ballot', 'promised', 'tags', 'livelock']);
    expect(notationIn('Flexible Paxos: five nodes, Q1 = 4 and Q2 = 2; SETTINGS q1: 2')).toEqual(['Q1', 'Q2']);
    expect(notationIn('accept A -> B slot 2; NEW Leader from A(p: 1.A, from_slot: 1)')).toEqual(['ballot', 'slot']);
    expect(notationIn('Apple is chosen')).toEqual([]);
  });
});
