import { describe, expect, it } from 'vitest';
import { fold, initialRoomState, parseScenario, PRESETS, RoomLog, runScenario } from '@toy-paxos/shared';

function presetLog(name: string): RoomLog {
  return runScenario(parseScenario(PRESETS.find((p) => p.name === name)!.text)).log;
}

describe('RoomLog', () => {
  it('stateAt(seq) equals folding the first seq events, at every point, across snapshots', () => {
    const source = presetLog('lost-messages');
    const log = new RoomLog(source.stateAt(0), source.events, 4); // small snapshots: many boundaries
    for (let seq = 0; seq <= log.length; seq++) {
      const expected = fold(log.stateAt(0), log.events.slice(0, seq));
      expect(JSON.stringify(log.stateAt(seq))).toBe(JSON.stringify(expected));
    }
  });

  it('stateAt returns a copy the caller owns', () => {
    const log = presetLog('basic-3');
    const s = log.stateAt(log.length);
    s.nodes.A!.choice = 'Tampered';
    expect(log.stateAt(log.length).nodes.A!.choice).toBe('Apple');
    expect(log.state.nodes.A!.choice).toBe('Apple');
  });

  it('the same log gives the same text: entries() on replay equal the entries dispatched live', () => {
    const live = new RoomLog(initialRoomState({ ...initialRoomState().settings, q1: 2, q2: 2 }));
    const dispatched = [];
    for (const c of [
      { type: 'addNode', node: 'A' },
      { type: 'addNode', node: 'B' },
      { type: 'addNode', node: 'C' },
      { type: 'propose', node: 'A', value: 'Apple' },
      { type: 'promiseRequest', from: 'A', to: 'all' },
      { type: 'acceptRequest', from: 'A', to: 'all' },
    ] as const) {
      const r = live.dispatch(c);
      if (!r.ok) throw new Error(r.explanation);
      dispatched.push(...r.entries);
    }
    const replayed = new RoomLog(live.stateAt(0), JSON.parse(JSON.stringify(live.events)), 2).entries();
    expect(replayed).toEqual(dispatched);
  });

  it('branchAt starts a new log that shares a prefix and leaves the original intact', () => {
    const log = presetLog('basic-3');
    const length = log.length;
    const branch = log.branchAt(5);
    expect(branch.length).toBe(5);
    expect(branch.events).toEqual(log.events.slice(0, 5));
    const r = branch.dispatch({ type: 'crash', node: 'B' });
    expect(r.ok).toBe(true);
    expect(log.length).toBe(length);
    expect(log.state.nodes.B!.up).toBe(true);
    expect(branch.state.nodes.B!.up).toBe(false);
  });

  it('refuses a seq outside the log', () => {
    const log = presetLog('basic-3');
    expect(() => log.stateAt(log.length + 1)).toThrow(/outside/);
    expect(() => log.stateAt(-1)).toThrow(/outside/);
  });
});
