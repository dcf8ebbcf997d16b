/** Session tokens live in localStorage, one per room, so a refresh gets the same node back. */
const key = (code: string) => `toy-paxos:token:${code}`;

export function savedToken(code: string): string | null {
  try {
    return localStorage.getItem(key(code));
  } catch {
    return null;
  }
}

export function saveToken(code: string, token: string): void {
  try {
    localStorage.setItem(key(code), token);
  } catch {
    // Private mode: the session lasts as long as the page.
  }
}

export function forgetToken(code: string): void {
  try {
    localStorage.removeItem(key(code));
  } catch {
    // nothing to forget
  }
}
