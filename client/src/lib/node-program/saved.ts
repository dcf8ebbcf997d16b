/**
 * The text of the learner's program a tab runs for its node in a room, kept in sessionStorage
 * (this tab only), so that a reload of the page starts it again. Apart from tokens.ts, which
 * the page's first script loads: only the student's view and the program's panel read this.
 */
/** Where this tab keeps the text of the learner's program it runs for its node in room `code` (this tab only: a reload starts it again). */
const programKey = (code: string) => `toy-paxos:own-program:${code}`;

/** The program this tab ran for its node in room `code` before a reload, or null. */
export function savedProgram(code: string): string | null {
  try {
    return sessionStorage.getItem(programKey(code));
  } catch {
    return null;
  }
}

/** Keeps (or, with null, forgets) the program this tab runs for its node in room `code`. */
export function saveProgram(code: string, source: string | null): void {
  try {
    if (source === null) sessionStorage.removeItem(programKey(code));
    else sessionStorage.setItem(programKey(code), source);
  } catch {
    // Storage full or refused: only a reload's restart is lost.
  }
}
