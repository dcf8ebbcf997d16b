import { describe, expect, it } from 'vitest';
import { annotateEvents, fold, initialRoomState, parseScenario, PRESETS, RoomLog, runScenario, type EventCodec, type RoomEvent } from '@toy-paxos/shared';

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

  describe('with sealed chunks (an EventCodec)', () => {
    // A codec that really changes the form, as the server's compressed one does: what is read back must be rebuilt.
    let opened = 0;
    const json: EventCodec<string> = {
      seal: (events) => JSON.stringify(events),
      open: (text) => {
        opened++;
        return JSON.parse(text) as RoomEvent[];
      },
    };
    const source = presetLog('lost-messages');
    const compact = () => new RoomLog(source.stateAt(0), source.events, 4, json);

    it('reads back every event, state and entry as the plain log does', () => {
      const log = compact();
      const plain = new RoomLog(source.stateAt(0), source.events, 4);
      expect(log.length).toBe(plain.length);
      expect(log.events).toEqual(plain.events);
      for (let seq = 0; seq <= log.length; seq++) expect(JSON.stringify(log.stateAt(seq))).toBe(JSON.stringify(plain.stateAt(seq)));
      for (let seq = 1; seq <= log.length; seq++) expect(log.eventAt(seq)).toEqual(plain.eventAt(seq));
      expect(log.entries(3, log.length - 2)).toEqual(plain.entries(3, log.length - 2));
      expect(log.eventsBetween(2, 11)).toEqual(plain.events.slice(1, 11));
    });

    it('opens a sealed chunk once while it is read in order', () => {
      const log = compact();
      opened = 0;
      log.eventsBetween(1, 4);
      log.eventAt(2);
      log.eventAt(3);
      expect(opened).toBe(1);
      log.eventAt(5);
      expect(opened).toBe(2);
    });

    it('branchAt shares the sealed prefix: the branch reads the same and grows apart', () => {
      const log = compact();
      for (const seq of [0, 3, 4, 9, log.length]) {
        const branch = log.branchAt(seq);
        expect(branch.length).toBe(seq);
        expect(branch.events).toEqual(source.events.slice(0, seq));
        expect(JSON.stringify(branch.state)).toBe(JSON.stringify(source.stateAt(seq)));
      }
      const branch = log.branchAt(9);
      const length = log.length;
      const upNode = source.stateAt(9).order.find((id) => source.stateAt(9).nodes[id]!.up)!;
      expect(branch.dispatch({ type: 'crash', node: upNode }).ok).toBe(true);
      expect(branch.length).toBe(10);
      expect(log.length).toBe(length);
      expect(log.events).toEqual(source.events);
    });
  });

  it('annotateEvents gives the entries a log gives, from any state', () => {
    const log = presetLog('lost-messages');
    const from = 6;
    expect(annotateEvents(log.stateAt(from - 1), log.events.slice(from - 1))).toEqual(log.entries(from));
  });
});
