import { describe, expect, it } from 'vitest';
import {
  diagramModel,
  diagramSvg,
  exportMarkdown,
  exportShiViz,
  keyMoments,
  parseScenario,
  PRESETS,
  runScenario,
  SHIVIZ_REGEX,
  apply,
  decide,
  initialRoomState,
  RoomLog,
  type RoomCommand,
  type RoomEvent,
} from '@toy-paxos/shared';
import { parseSessionFile, sessionFile } from '@toy-paxos/shared/protocol';

function preset(name: string) {
  const log = runScenario(parseScenario(PRESETS.find((p) => p.name === name)!.text)).log;
  return { initial: log.stateAt(0), events: log.events, log };
}

describe('key moments', () => {
  it('finds each proposal, the first quorum of promises, a reported value, a broken rule, the choice and a violation', () => {
    const { initial, events } = preset('break-ignore-accepted-value');
    const moments = keyMoments(initial, events);
    expect(moments.map((m) => `${m.seq} ${m.kind}: ${m.label}`)).toEqual([
      '4 proposal: A proposes 1.A (Apple)',
      '6 promise-quorum: A has a quorum of promises for 1.A',
      '8 chosen: Apple is chosen (ballot 1.A)',
      '9 proposal: C proposes 1.C (Mango)',
      "10 reported-value: B's promise reports Apple (1.A)",
      '11 promise-quorum: C has a quorum of promises for 1.C',
      '12 rule-broken: Rule broken: C ignores Apple',
      '13 chosen: Mango is chosen (ballot 1.C)',
      '13 violation: Violation: agreement',
    ]);
  });
});

describe('session files (JSON export and import)', () => {
  it('export then import gives the identical log, event by event', () => {
    const { initial, events, log } = preset('lost-messages');
    const text = JSON.stringify(sessionFile(initial, events, 'Lost messages'), null, 2);
    const back = parseSessionFile(text);
    if (!back.ok) throw new Error(back.error);
    expect(back.title).toBe('Lost messages');
    expect(back.events).toEqual(events);
    expect(back.initial).toEqual(initial);
    expect(JSON.stringify(back.events)).toBe(JSON.stringify(log.events));
  });

  it('keeps which nodes ran a learner\'s own program, so that a replay shows them at each moment', () => {
    const { initial, events } = preset('basic-3');
    const withProgram: RoomEvent[] = [...events.slice(0, 3), { type: 'ownProgramSet', node: 'B', status: 'running' }, ...events.slice(3), { type: 'ownProgramSet', node: 'B', status: 'failed' }];
    const back = parseSessionFile(JSON.stringify(sessionFile(initial, withProgram, 'x')));
    if (!back.ok) throw new Error(back.error);
    expect(back.events).toEqual(withProgram);
    const log = new RoomLog(back.initial, back.events);
    expect(log.stateAt(3).nodes.B!.ownProgram).toBeUndefined();
    expect(log.stateAt(4).nodes.B!.ownProgram).toBe('running');
    expect(log.state.nodes.B!.ownProgram).toBe('failed');
    const bad = parseSessionFile(JSON.stringify(sessionFile(initial, [...events.slice(0, 3), { type: 'ownProgramSet', node: 'B', status: 'on' } as unknown as RoomEvent], 'x')));
    expect(bad.ok).toBe(false);
  });

  it('refuses a bad file with the problem and where it is, loading nothing', () => {
    const { initial, events } = preset('basic-3');
    const good = sessionFile(initial, events, 'x');
    const bad = (f: unknown) => {
      const r = parseSessionFile(typeof f === 'string' ? f : JSON.stringify(f));
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.error;
    };
    expect(bad('{\n  "format": "toy-paxos-session",\n  oops\n}')).toBe('The file is not valid JSON at line 3, column 3.');
    expect(bad({ ...good, format: 'other' })).toBe('format: this is not a toy-paxos session file (format must be "toy-paxos-session").');
    expect(bad({ ...good, version: 2 })).toMatch(/^version: this file's version is not one/);
    expect(bad({ ...good, events: [...events.slice(0, 3), { type: 'exploded' }] })).toMatch(/^events\[3\]\.type: /);
    expect(bad({ ...good, events: [...events.slice(0, 3), { type: 'crashed', node: 'A', extra: 1 }] })).toMatch(/^events\[3\]: /);
    // Well-formed, but a node cannot join twice, and "all" is no name.
    expect(bad({ ...good, events: [...events.slice(0, 3), events[0]] })).toBe(
      'events[3] (nodeAdded): this event does not follow from the ones before it: node A is added twice.',
    );
    expect(bad({ ...good, events: [{ type: 'nodeAdded', node: 'x', name: 'All', bot: false }] })).toMatch(/^events\[0\]\.name: "all" stands for every node/);
    // Well-formed, but a message that was never sent cannot be delivered.
    expect(bad({ ...good, events: [...events.slice(0, 3), { type: 'delivered', id: 99, reply: null }] })).toBe(
      'events[3] (delivered): this event does not follow from the ones before it: delivered message #99 is not in flight.',
    );
  });
});

describe('text exports', () => {
  it('Markdown carries the notebook lines and the explanations', () => {
    const { initial, events } = preset('notebook');
    const md = exportMarkdown(initial, events, "The notebook's example");
    expect(md.startsWith("# The notebook's example\n\nSettings: q1 3, q2 3, ballots plain, delivery instant, acceptors rules, learners proposer\n\n")).toBe(true);
    // The settings header: delivery, quorums (a majority of the first round's acceptors) and rule-breaking modes.
    const queued = exportMarkdown(preset('basic-5').initial, preset('basic-5').events, 'Five');
    expect(queued.split('\n')[2]).toBe('Settings: q1 majority (3), q2 majority (3), ballots unique, delivery queued, acceptors rules, learners everyone');
    const broken = exportMarkdown(preset('break-forget-on-crash').initial, preset('break-forget-on-crash').events, 'Forgets');
    expect(broken.split('\n')[2]).toMatch(/, rule-breaking forgetOnCrash$/);
    expect(md).toContain(
      '```\nPROMISE Request from Node(p: 1) to Another_Node(acc_p: None)\n    > [ACC] Promise(1, last_accepted()), Node(promisers: 1, quorum_size: 3, promiser_acc_max: None)\n```',
    );
  });

  it('ShiViz gets its parser expression and one event per send and receive, with vector clocks', () => {
    const { initial, events } = preset('basic-3');
    const log = exportShiViz(initial, events).split('\n');
    expect(log[0]).toBe(SHIVIZ_REGEX);
    expect(log.slice(2, 6)).toEqual(['send prepare #1 A -> A', 'A {"A":1}', 'receive prepare #1 A -> A', 'A {"A":2}']);
    const re = new RegExp(SHIVIZ_REGEX, 'g');
    const body = log.slice(2).join('\n');
    const matches = [...body.matchAll(re)];
    expect(matches.length).toBe(24); // 6 exchanges x (send, receive, send, receive)
    // A ticks 4 times for its exchange with itself and twice for each other node, in both phases.
    const last = JSON.parse(matches.at(-1)!.groups!.clock!) as Record<string, number>;
    expect(last).toEqual({ A: 16, B: 4, C: 4 });
  });
});

describe('ShiViz hosts', () => {
  /** Every host's own clock entry, in log order: ShiViz refuses a file where one goes back. */
  function hostClocks(log: string): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const m of log.split('\n').slice(2).join('\n').matchAll(new RegExp(SHIVIZ_REGEX, 'g'))) {
      const host = m.groups!.host!;
      const clock = JSON.parse(m.groups!.clock!) as Record<string, number>;
      out.set(host, [...(out.get(host) ?? []), clock[host]!]);
    }
    return out;
  }

  it('are keyed by node id: "Node 2" and "Node_2" are two hosts, and a renamed node stays one', () => {
    const initial = initialRoomState();
    const events: RoomEvent[] = [];
    const s = initialRoomState();
    const run = (command: RoomCommand) => {
      const d = decide(s, command);
      if (!d.ok) throw new Error(d.explanation);
      for (const e of d.events) {
        apply(s, e);
        events.push(e);
      }
    };
    run({ type: 'addNode', node: 'n1', name: 'Node 2' });
    run({ type: 'addNode', node: 'n2', name: 'Node_2' });
    run({ type: 'addNode', node: 'n3', name: 'Cy' });
    run({ type: 'propose', node: 'n1', value: 'Apple' });
    run({ type: 'promiseRequest', from: 'n1', to: 'all' });
    run({ type: 'renameNode', node: 'n1', name: 'Ana' });
    run({ type: 'renameNode', node: 'n2', name: 'Node 2' });
    run({ type: 'acceptRequest', from: 'n1', to: 'all' });
    const clocks = hostClocks(exportShiViz(initial, events));
    expect([...clocks.keys()].sort()).toEqual(['n1(Node_2)', 'n2(Node_2)', 'n3(Cy)']);
    for (const [host, ticks] of clocks) expect(ticks, host).toEqual(ticks.map((_, i) => i + 1));
  });
});

describe('the sequence diagram', () => {
  it('has a lane per node and an arrow per message, with dropped and duplicated told apart (preset lost-messages)', () => {
    const { initial, events } = preset('lost-messages');
    const model = diagramModel(initial, events);
    expect(model.lanes.map((l) => l.name)).toEqual(['A', 'B', 'C']);
    const fates = model.arrows.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a.fate]: (acc[a.fate] ?? 0) + 1 }), {});
    // 23 requests and replies and 8 notices to learners: the promise request to B and two acceptances are dropped.
    expect(fates).toEqual({ delivered: 28, dropped: 3 });
    expect(model.chosen.map((c) => c.value)).toEqual(['Apple', 'Apple']);
    const svg = diagramSvg(model);
    expect(svg.match(/<g class="lane"/g)).toHaveLength(3);
    expect(svg.match(/<g class="arrow /g)).toHaveLength(31);
    expect(svg.match(/<g class="arrow dropped/g)).toHaveLength(3);
    expect(svg).toContain('chosen: Apple');
  });

  it('follows the replay cursor and escapes names', () => {
    const log = runScenario(parseScenario('delivery queued\nnodes A B\npropose A x\npromise A -> B\nduplicate #1')).log;
    log.dispatch({ type: 'renameNode', node: 'B', name: 'x<y>' });
    const all = diagramModel(log.stateAt(0), log.events);
    expect(all.arrows.map((a) => [a.id, a.fate, a.copy])).toEqual([
      [1, 'in-flight', false],
      [2, 'in-flight', true],
    ]);
    const early = diagramModel(log.stateAt(0), log.events, 3);
    expect(early.lanes.map((l) => l.name)).toEqual(['A', 'B']);
    expect(early.arrows).toEqual([]);
    expect(early.upTo).toBe(3);
    expect(diagramSvg(all)).toContain('x&lt;y&gt;');
    expect(diagramSvg(all)).not.toContain('x<y>');
  });
});
