/**
 * What a learner's program may hand back across a worker's boundary: plain data (what
 * `JSON.stringify` writes and reads back unchanged), of a bounded size. A state that holds a
 * function, a cycle or a megabyte would break the copy to the page, so it is refused with a
 * sentence that says what to return instead. Whether it fits the interface (an answer that
 * fits its request, a ballot with a whole round...) is learner.ts's check, the same in a
 * terminal and in the browser.
 */

/** A program's answer or state may have this many values in it (objects, arrays, strings, numbers...), nested at most `PLAIN_DEPTH_MAX` deep. */
export const PLAIN_VALUES_MAX = 10_000;
export const PLAIN_DEPTH_MAX = 32;
/** A string in a program's answer may be this long. */
export const PLAIN_STRING_MAX = 1_000;

/** Null when `value` is plain data within the limits; else what is wrong with it, for the learner (`what` names it: "acceptor.onRequest's answer"). */
export function plainValueProblem(value: unknown, what: string): string | null {
  let count = 0;
  const path: object[] = [];
  const walk = (v: unknown, depth: number): string | null => {
    if (++count > PLAIN_VALUES_MAX) return `${what} is too large: return at most ${PLAIN_VALUES_MAX.toLocaleString('en')} values.`;
    if (v === null || typeof v === 'boolean') return null;
    if (typeof v === 'number') return Number.isFinite(v) ? null : `${what} holds ${v}: return finite numbers only.`;
    if (typeof v === 'string') return v.length <= PLAIN_STRING_MAX ? null : `${what} holds a string of ${v.length} characters: keep each under ${PLAIN_STRING_MAX}.`;
    if (typeof v !== 'object') return `${what} holds a ${typeof v}: return plain data (objects, arrays, strings, numbers, true, false, null).`;
    if (depth >= PLAIN_DEPTH_MAX) return `${what} is nested more than ${PLAIN_DEPTH_MAX} deep: return flatter data.`;
    if (path.includes(v)) return `${what} contains itself (a cycle): return plain data that JSON can write.`;
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return `${what} holds a ${proto?.constructor?.name ?? 'special'} object: return plain objects and arrays.`;
    path.push(v);
    try {
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) return `${what} has ${k} set to undefined: use null, or leave the field out.`;
        const problem = walk(x, depth + 1);
        if (problem) return problem;
      }
    } finally {
      path.pop();
    }
    return null;
  };
  if (value === undefined) return `${what} is missing: the function returned nothing.`;
  return walk(value, 0);
}
