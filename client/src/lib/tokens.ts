/**
 * Session tokens live in localStorage, one per room, so a refresh gets the same node back. A
 * tab that joins a room this device is in already (the projector view opened beside the
 * dashboard) keeps its token to itself, in sessionStorage, so that neither takes the other's.
 */
const key = (code: string) => `toy-paxos:token:${code}`;

/** This tab's own token for room `code`, else the device's. */
export function savedToken(code: string): string | null {
  return tabToken(code) ?? deviceToken(code);
}

/** The token this tab keeps to itself for room `code`, if it joined beside another session. */
export function tabToken(code: string): string | null {
  try {
    return sessionStorage.getItem(key(code));
  } catch {
    return null;
  }
}

function deviceToken(code: string): string | null {
  try {
    return localStorage.getItem(key(code));
  } catch {
    return null;
  }
}

/** Keeps a new session's token: for the device, or (`tabOnly`) for this tab alone. */
export function saveToken(code: string, token: string, tabOnly = false): void {
  try {
    (tabOnly ? sessionStorage : localStorage).setItem(key(code), token);
  } catch {
    // Private mode: the session lasts as long as the page.
  }
}

export function forgetToken(code: string): void {
  try {
    if (tabToken(code) !== null) sessionStorage.removeItem(key(code));
    else localStorage.removeItem(key(code));
  } catch {
    // nothing to forget
  }
}

/**
 * The id of this tab's join of room `code` as `role`, named `name`: drawn once and sent
 * with every try of that join, so that the server answers a retry with the session the join
 * made rather than a second node (docs/protocol/sessions.md, 2.2). Kept in sessionStorage: a reload of
 * the tab keeps it, another tab or device draws its own.
 */
export function joinIdFor(code: string, role: 'student' | 'observer', name: string): string {
  const key = `toy-paxos:join:${code}:${role}:${name}`;
  try {
    const held = sessionStorage.getItem(key);
    if (held) return held;
  } catch {
    // Storage refused: the id lasts as long as the page.
  }
  // 18 random bytes as base64url: 24 characters, as hard to guess as a token.
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
  try {
    sessionStorage.setItem(key, id);
  } catch {
    // as above
  }
  return id;
}
