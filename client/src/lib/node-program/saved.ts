/**
 * The text of the learner's program a tab runs for its node in a room, kept in sessionStorage
 * (this tab only), so that a reload of the page starts it again, and why it stopped, if it did,
 * so that a reload still says why. Apart from tokens.ts, which
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

/** Where this tab keeps why its program stopped in room `code`, and its text: a reload still says why, and opens it again. */
const failureKey = (code: string) => `toy-paxos:own-program-failed:${code}`;

/** Why the program this tab ran in room `code` stopped (with its line), and the text it ran. */
export interface SavedFailure {
  readonly reason: string;
  readonly source: string;
}

/** Why the program this tab ran for its node in room `code` stopped before a reload, or null. */
export function savedFailure(code: string): SavedFailure | null {
  try {
    const kept = JSON.parse(sessionStorage.getItem(failureKey(code)) ?? 'null') as Partial<SavedFailure> | null;
    return typeof kept?.reason === 'string' && typeof kept.source === 'string' ? { reason: kept.reason, source: kept.source } : null;
  } catch {
    return null;
  }
}

/** Keeps (or, with null, forgets) why the program this tab ran for its node in room `code` stopped. */
export function saveFailure(code: string, failure: SavedFailure | null): void {
  try {
    if (failure === null) sessionStorage.removeItem(failureKey(code));
    else sessionStorage.setItem(failureKey(code), JSON.stringify(failure));
  } catch {
    // Storage full or refused: only the reason after a reload is lost.
  }
}
