/**
 * Names and values a person can tell apart: Unicode NFC, invisible characters
 * and direction controls refused with a clear error, lengths in user-perceived characters
 * on the schema and the core alike, and names unique in a folded form.
 */
import { describe, expect, it } from 'vitest';
import { createRoom, useServer } from './harness';

const env = useServer();

describe('names', () => {
  it('refuses names that hide characters, and changes nothing', async () => {
    const room = await createRoom(env.server.url);
    const hidden: [string, string][] = [
      ['\u200B', 'U+200B'],
      ['Node\u200B', 'U+200B'],
      ['No\u2060de', 'U+2060'],
      ['\uFEFFNode', 'U+FEFF'],
      ['No\u00ADde', 'U+00AD'],
      ['No\u200Dde', 'U+200D'],
      ['\u200CNode', 'U+200C'],
      ['Node \u200C', 'U+200C'],
    ];
    for (const [name, point] of hidden) {
      const ack = await env.client().join(room.code, name);
      expect(ack, JSON.stringify(name)).toEqual({ ok: false, error: { code: 'bad-request', message: `Bad name: a name cannot contain an invisible character (${point}): type only characters that show.` } });
    }
    for (const [name, point] of [['\u202EedoN', 'U+202E'], ['Node\u200E', 'U+200E'], ['\u2066Node\u2069', 'U+2066'], ['No\u061Cde', 'U+061C']]) {
      const ack = await env.client().join(room.code, name!);
      expect(ack, JSON.stringify(name)).toEqual({
        ok: false,
        error: { code: 'bad-request', message: `Bad name: a name cannot contain a text-direction control (${point}), which makes text look like something else.` },
      });
    }
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(0);
  });

  it('refuses every character that shows as nothing, not only the common ones, and a name with nothing that shows', async () => {
    const room = await createRoom(env.server.url);
    const refusals: [string, string][] = [
      ['Ana\u{E0020}', 'an invisible character (U+E0020): type only characters that show'],
      ['Ana\uFFF9', 'an invisible character (U+FFF9): type only characters that show'],
      ['Ana\uFE0F', 'an invisible character (U+FE0F): type only characters that show'],
      ['Ana\u{E0100}', 'an invisible character (U+E0100): type only characters that show'],
      ['Ana\u2800', 'an invisible character (U+2800): type only characters that show'],
      ['Ana\u{1D173}', 'an invisible character (U+1D173): type only characters that show'],
      ['\u2800\u2800', 'an invisible character (U+2800): type only characters that show'],
      ['A\uD800B', 'half a character (U+D800, a lone surrogate): type it again'],
    ];
    for (const [name, problem] of refusals) {
      const ack = await env.client().join(room.code, name);
      expect(ack, JSON.stringify(name)).toEqual({ ok: false, error: { code: 'bad-request', message: `Bad name: a name cannot contain ${problem}.` } });
    }
    expect(await env.client().join(room.code, '\u0301')).toEqual({ ok: false, error: { code: 'bad-request', message: 'Bad name: a name needs at least one letter, digit or symbol that shows.' } });
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(0);
    // Where those characters mean something, they stay: an emoji's style, a keycap, an ideograph's variant, a flag.
    for (const name of ['❤\uFE0F Ana', '1\uFE0F\u20E3', '葛\u{E0100}', '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}']) {
      expect(await env.client().join(room.code, name), JSON.stringify(name)).toMatchObject({ ok: true, session: { name } });
    }
    const ana = env.client();
    await ana.join(room.code, 'Ana');
    expect(await ana.emit('node:propose', { value: 'Apple\u{E0020}' })).toEqual({ ok: false, error: { code: 'bad-request', message: 'Bad value: a value cannot contain an invisible character (U+E0020): type only characters that show.' } });
  });

  it('keeps a zero-width non-joiner between two letters, as Persian spells words', async () => {
    const room = await createRoom(env.server.url);
    expect(await env.client().join(room.code, 'می\u200Cخواهم')).toMatchObject({ ok: true, session: { name: 'می\u200Cخواهم' } });
  });

  it('keeps names in NFC and counts their length in characters a person sees', async () => {
    const room = await createRoom(env.server.url);
    expect(await env.client().join(room.code, 'Jose\u0301')).toMatchObject({ ok: true, session: { name: 'Jos\u00E9' } });
    const astronauts = '👩‍🚀'.repeat(32);
    expect(await env.client().join(room.code, astronauts)).toMatchObject({ ok: true, session: { name: astronauts } });
    // Taken: the suffix replaces whole characters, never half an emoji.
    expect(await env.client().join(room.code, astronauts)).toMatchObject({ ok: true, session: { name: `${'👩‍🚀'.repeat(30)} 2` } });
    expect(await env.client().join(room.code, '👩‍🚀'.repeat(33))).toEqual({ ok: false, error: { code: 'bad-request', message: 'Bad name: a name has at most 32 characters.' } });
  });

  it('trims a name and collapses its spaces before anything else, for a join and a rename alike; a node keeps its own name in other capitals', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const [ana, other] = [env.client(), env.client()];
    expect(await ana.join(room.code, 'Ana')).toMatchObject({ ok: true, session: { name: 'Ana' } });
    expect(await other.join(room.code, ' ana ')).toMatchObject({ ok: true, session: { name: 'ana 2' } });
    expect((await teacher.emit('participant:rename', { node: 'n2', name: '  ANA\u00A0 ' })).ok).toBe(true);
    await other.until(() => other.records.at(-1)?.lines[0] === 'RENAME ana 2 -> ANA 2', 'the rename to a taken name');
    expect((await teacher.emit('participant:rename', { node: 'n1', name: ' ANA' })).ok).toBe(true);
    await ana.until(() => ana.records.at(-1)?.lines[0] === 'RENAME Ana -> ANA', 'the rename to its own name');
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(2);
  });

  it('makes names unique in a folded form: case, full-width letters and look-alike spaces', async () => {
    const room = await createRoom(env.server.url);
    expect(await env.client().join(room.code, 'Ana Bo')).toMatchObject({ session: { name: 'Ana Bo' } });
    expect(await env.client().join(room.code, 'ANA\u00A0BO')).toMatchObject({ session: { name: 'ANA BO 2' } });
    expect(await env.client().join(room.code, '\uFF41na\u3000bo')).toMatchObject({ session: { name: '\uFF41na bo 3' } });
  });
});

describe('values', () => {
  it('13 emoji are a value: schema and core count the same characters', async () => {
    const room = await createRoom(env.server.url);
    const ana = env.client();
    await ana.join(room.code, 'Ana');
    expect(await ana.emit('node:propose', { value: '👍'.repeat(13) })).toMatchObject({ ok: true });
    expect(await ana.emit('node:propose', { value: '🇫🇷'.repeat(24) })).toMatchObject({ ok: true });
    expect(await ana.emit('node:propose', { value: '👍'.repeat(25) })).toEqual({ ok: false, error: { code: 'bad-request', message: 'Bad value: a value has at most 24 characters.' } });
    expect(await ana.emit('node:propose', { value: 'Apple\u200B' })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('invisible character (U+200B)') } });
    expect(await ana.emit('node:propose', { value: '\u202Eelppa' })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('text-direction control (U+202E)') } });
    expect(ana.records.filter((r) => r.event.type === 'proposalStarted').length).toBe(2);
  });

  it('refuses text that would smear over its neighbours: marks stacked high, or a character made of a long chain', async () => {
    const room = await createRoom(env.server.url);
    const stacked = `${'e\u0301\u0316'.repeat(1)}${'\u0301\u0316'.repeat(15)}`; // a letter with 32 marks
    const accents = `e${'\u0301\u0316'.repeat(15)}`.repeat(24); // 24 letters of 30 marks each
    const chain = Array.from({ length: 255 }, () => '👩').join('\u200D'); // one character of 509 code units
    for (const name of [stacked, accents.slice(0, 31 * 10), chain.slice(0, 3 * 100 - 1)]) {
      const ack = await env.client().join(room.code, name);
      expect(ack, JSON.stringify(name).slice(0, 40)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    const ana = env.client();
    // What scripts and emoji really do still passes: Vietnamese's two marks, Hindi, a family with skin tones, a flag.
    expect((await ana.join(room.code, 'Nguyễn Thị Ánh')).ok).toBe(true);
    for (const value of ['क्षत्रिय', '👨🏽‍👩🏽‍👧🏽‍👦🏽', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'ệ']) expect(await ana.emit('node:propose', { value }), value).toMatchObject({ ok: true });
    expect(await ana.emit('node:propose', { value: `x${'\u0316'.repeat(9)}` })).toEqual({ ok: false, error: { code: 'bad-request', message: 'Bad value: a value cannot stack more than 8 accents or marks on one character.' } });
    expect(await ana.emit('node:propose', { value: Array.from({ length: 12 }, () => '👩').join('\u200D') })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'Bad value: a value cannot have a character made of a chain longer than 32 code units (such as dozens of joined emoji).' },
    });
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(1);
  });
});
