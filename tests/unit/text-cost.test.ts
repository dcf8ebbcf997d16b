/**
 * What a check of typed text costs is bounded by its limit, not by what was sent. Counting
 * characters as people count them (Intl.Segmenter) costs about 10 µs a character, so a
 * 15,000-character value once cost 183 ms of the server's event loop to refuse against a
 * 24-character limit. Here every piece of Unicode work (segmenting, normalizing) is watched
 * while long texts go through every socket schema, a session file, a scenario and the core,
 * and none may see more text than its limit's worth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_EVENTS } from '@toy-paxos/shared/protocol';
import { parseSessionFile } from '@toy-paxos/shared/protocol';
import { CODE_UNITS_PER_CHAR_MAX, charCount, cleanText, textProblem } from '../../shared/src/text';
import { freeQuestionProblem, CHECKPOINT_LIMITS } from '../../shared/src/checkpoint-state';
import { decide, initialRoomState, LIMITS, parseScenario, PROTOCOL_VERSION, type RoomState } from '@toy-paxos/shared';

/** The longest text any check may work on: the largest limit (a question's prompt), in code units, and a little. */
const WORK_MAX = (CHECKPOINT_LIMITS.promptLengthMax + 1) * CODE_UNITS_PER_CHAR_MAX;

let longestSeen = 0;
const original = { segment: Intl.Segmenter.prototype.segment, normalize: String.prototype.normalize };
beforeAll(() => {
  Intl.Segmenter.prototype.segment = function (this: Intl.Segmenter, input: string) {
    longestSeen = Math.max(longestSeen, String(input).length);
    return original.segment.call(this, input);
  };
  String.prototype.normalize = function (this: string, form?: string) {
    longestSeen = Math.max(longestSeen, this.length);
    return original.normalize.call(this, form);
  };
});
afterAll(() => {
  Intl.Segmenter.prototype.segment = original.segment;
  String.prototype.normalize = original.normalize;
});

/** Runs `check` and returns the longest text it did Unicode work on. */
function work(check: () => unknown): number {
  longestSeen = 0;
  check();
  return longestSeen;
}

// Texts of 15,000 characters: plain, accented (not ASCII, so segmented), emoji, and combining marks.
const LONG = ['a'.repeat(15_000), 'é'.repeat(15_000), '👩‍🚀'.repeat(3_000), `e${'\u0301'.repeat(14_999)}`];

/** For every event with a text field, a payload with `t` in it; and every event with `t` under a key it does not know. */
function payloads(t: string): [string, unknown][] {
  const v = PROTOCOL_VERSION;
  const byEvent: [string, unknown][] = [
    ['room:join', { v, code: 'ABCDEF', name: t, role: 'student' }],
    ['room:join', { v, code: t, name: 'Ana', role: 'student' }],
    ['room:resume', { v, token: t, lastSeq: 0 }],
    ['node:propose', { value: t }],
    ['node:propose', { node: t, value: 'Apple' }],
    ['node:promise', { to: [t, t] }],
    ['node:accept', { to: 'all', node: t }],
    ['node:submit', { command: `set x ${t}` }],
    ['net:cut', { a: t, b: t }],
    ['net:partition', { groups: [[t], [t]] }],
    ['participant:rename', { node: 'n1', name: t }],
    ['participant:remove', { id: t }],
    ['bot:add', { name: t }],
    ['branch:fork', { seq: 1, name: t }],
    ['checkpoint:open', { spec: { kind: 'free', prompt: t, options: ['Yes', 'No'] } }],
    ['checkpoint:open', { spec: { kind: 'free', prompt: 'Why?', options: [t, t, t, t, t, t] } }],
    ['room:settings', { settings: { q1: t, ballots: t } }],
  ];
  return [...byEvent, ...Object.keys(CLIENT_EVENTS).map((name): [string, unknown] => [name, { [t]: t }])];
}

describe('a check of typed text costs what its limit allows, whatever is sent', () => {
  it('every socket event schema refuses 15,000-character texts having worked on no more than its limit', () => {
    for (const t of LONG) {
      for (const [name, payload] of payloads(t)) {
        const schema = CLIENT_EVENTS[name as keyof typeof CLIENT_EVENTS];
        let result: { success: boolean } | undefined;
        const seen = work(() => (result = schema.safeParse(payload)));
        expect(result!.success, `${name} ${JSON.stringify(payload).slice(0, 80)}`).toBe(false);
        expect(seen, `${name} ${JSON.stringify(payload).slice(0, 80)}`).toBeLessThanOrEqual(WORK_MAX);
      }
    }
  });

  it('says the limit of a value, a name and a question in the same words as before', () => {
    expect(CLIENT_EVENTS['node:propose'].safeParse({ value: 'é'.repeat(15_000) }).error?.issues[0]?.message).toBe('a value has at most 24 characters');
    expect(CLIENT_EVENTS['node:propose'].safeParse({ value: 'é'.repeat(25) }).error?.issues[0]?.message).toBe('a value has at most 24 characters');
    expect(CLIENT_EVENTS['node:propose'].safeParse({ value: '👩‍🚀'.repeat(24) }).success).toBe(true);
    expect(cleanText(`  ${'Ana'}  `, LIMITS.nameLengthMax, 'a name')).toEqual({ ok: true, text: 'Ana' });
    expect(textProblem('x'.repeat(33), LIMITS.nameLengthMax, 'a name')).toBe('a name has at most 32 characters');
    expect(freeQuestionProblem('é'.repeat(15_000), ['Yes', 'No'])).toBe('A question has at most 200 characters.');
    expect(freeQuestionProblem('Why?', ['Yes', '👩‍🚀'.repeat(81)])).toBe('An answer to choose from has at most 80 characters.');
    expect(freeQuestionProblem('Why?', ['Yes', '👩‍🚀'.repeat(80)])).toBeNull();
  });

  it('counts characters only up to the limit plus one', () => {
    for (const t of LONG) {
      expect(work(() => expect(charCount(t, 25)).toBe(25))).toBeLessThanOrEqual(25 * CODE_UNITS_PER_CHAR_MAX);
      expect(work(() => textProblem(t, 24, 'a value'))).toBeLessThanOrEqual(WORK_MAX);
      expect(work(() => cleanText(t, 24, 'a value'))).toBeLessThanOrEqual(WORK_MAX);
      expect(work(() => freeQuestionProblem(t, [t, t]))).toBeLessThanOrEqual(WORK_MAX);
    }
    expect(charCount('👩‍🚀é a', 25)).toBe(4);
  });

  it('a session file, a scenario and the core refuse long names and values at the same bounded cost', () => {
    const state: RoomState = initialRoomState();
    for (const t of LONG) {
      const file = JSON.stringify({
        format: 'toy-paxos-session',
        version: 1,
        title: 'long',
        settings: state.settings,
        events: [{ type: 'nodeAdded', node: 'n1', name: t, bot: false }],
      });
      let parsed: { ok: boolean } | undefined;
      expect(work(() => (parsed = parseSessionFile(file)))).toBeLessThanOrEqual(WORK_MAX);
      expect(parsed!.ok).toBe(false);
      expect(work(() => decide(state, { type: 'addNode', node: 'n1', name: t }))).toBeLessThanOrEqual(WORK_MAX);
      expect(work(() => expect(() => parseScenario(`nodes A B C\npropose A ${t.slice(0, 400)}`)).toThrow())).toBeLessThanOrEqual(WORK_MAX);
      // A title (up to 200 characters, as a question) is refused as soon as it is past its limit, however long.
      const titled = JSON.stringify({ format: 'toy-paxos-session', version: 1, title: t, settings: state.settings, events: [] });
      expect(work(() => (parsed = parseSessionFile(titled)))).toBeLessThanOrEqual(WORK_MAX);
      expect(parsed!.ok).toBe(false);
      // A scenario's line is shorter than that: its title, valid or not, costs no more than the limit allows.
      const fromScript = () => {
        try {
          parseScenario(`title ${t.slice(0, 490)}\nnodes A B C`);
        } catch {
          // Refused or kept: only the cost is measured here.
        }
      };
      expect(work(fromScript)).toBeLessThanOrEqual(WORK_MAX);
    }
  });
});
