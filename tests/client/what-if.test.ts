/** The explorer's values field starts with the room's proposed values and one new value. */
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '@toy-paxos/shared';
import { explorerValues } from '../../client/src/lib/what-if';

const stateOf = (script: string) => runScenario(parseScenario(script)).log.state;

describe('explorerValues', () => {
  it("holds the room's proposed values, each once, and one value no one proposed", () => {
    const state = stateOf('nodes A B C\npropose A Apple\npropose B Mango\npropose C Apple\n');
    expect(explorerValues(state)).toEqual(['Apple', 'Mango', 'Kiwi']);
  });

  it('offers one new value beside a single proposed one, so that another value could be chosen', () => {
    const values = explorerValues(stateOf('nodes A B C\npropose A Kiwi\n'));
    expect(values).toEqual(['Kiwi', 'Apple']);
    expect(new Set(values).size).toBe(values.length);
  });
});
