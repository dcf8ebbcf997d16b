/** A long log entry as a screen shows it: the first lines, the count of the rest by kind, and the beginning of its explanation. */
import { describe, expect, it } from 'vitest';
import { clipText, ENTRY_LINES_MAX, ENTRY_LINES_SHOWN, EXPLANATION_CHARS_MAX, kindText, summarizeLines, wrappedLineCount } from '../../client/src/lib/log-item';

/** A deliver-all's lines, as the core prints them: a header, then a request line and its reply line per message. */
function deliverAll(accepted: number, refused: number): string[] {
  const lines = [`NETWORK deliver all: ${accepted + refused} messages`];
  for (let i = 0; i < accepted + refused; i++) {
    lines.push(`PROMISE Request from A(p: 1.A) to N${i}(acc_p: None)`);
    lines.push(i < accepted ? `    > [ACC] Promise(1.A, last_accepted()), reply #${i} in flight` : `    > [REJ] Promise(1.A) lost to 2.B, reply #${i} in flight`);
  }
  return lines;
}

describe('summarizeLines', () => {
  it('leaves a short entry whole', () => {
    expect(deliverAll(2, 0).length).toBeLessThanOrEqual(ENTRY_LINES_MAX);
    expect(summarizeLines(deliverAll(2, 0))).toBeNull();
  });

  it('shows the first lines of a deliver-all to 40 and counts the rest by kind, with the replies by tag', () => {
    const lines = deliverAll(30, 10);
    const s = summarizeLines(lines)!;
    expect(s.head).toEqual(lines.slice(0, ENTRY_LINES_SHOWN));
    expect(s.more).toBe(lines.length - ENTRY_LINES_SHOWN);
    // The head holds the header, the first request and its reply: 39 requests are left, and their 39 replies.
    expect(s.kinds.map(kindText)).toEqual(['39 PROMISE Request (29 [ACC], 10 [REJ])']);
    expect(s.otherKinds).toBe(0);
  });
});

describe('clipText', () => {
  it('leaves an explanation of ordinary length whole', () => {
    expect(clipText('A had promised nothing yet, so it promises 1.A.')).toBeNull();
  });

  it("cuts a bulk delivery's explanation after a sentence", () => {
    const text = `The network delivers 40 promise requests, oldest first. ${Array.from({ length: 40 }, (_, i) => `#${i}: N${i} promises 1.A.`).join(' ')}`;
    expect(text.length).toBeGreaterThan(EXPLANATION_CHARS_MAX);
    const clipped = clipText(text)!;
    expect(clipped.endsWith('. …')).toBe(true);
    expect(text.startsWith(clipped.slice(0, -2))).toBe(true);
  });
});

describe('wrappedLineCount', () => {
  it('counts the lines a notebook line takes in a box of monospace type, wrapped at spaces, a word wider than the box broken', () => {
    const line = 'PROMISE Request from Ana(p: 1.Ana) to Bo(acc_p: None)';
    expect(wrappedLineCount(line, 80)).toBe(1);
    expect(wrappedLineCount(line, line.length)).toBe(1);
    // "PROMISE Request from" | "Ana(p: 1.Ana) to" | "Bo(acc_p: None)"
    expect(wrappedLineCount(line, 20)).toBe(3);
    // The indent counts, and spaces at a line's end hang rather than start another.
    expect(wrappedLineCount('    > [ACC] Promise(1.Ana)', 16)).toBe(2);
    expect(wrappedLineCount('abc   ', 3)).toBe(1);
    expect(wrappedLineCount('x'.repeat(25), 10)).toBe(3);
    expect(wrappedLineCount('ab ' + 'x'.repeat(25), 10)).toBe(4);
    expect(wrappedLineCount('', 10)).toBe(1);
  });
});
