/** The page's route, from the address bar. */
export type Route =
  | { readonly page: 'home' }
  | { readonly page: 'join'; readonly code: string; readonly role: 'student' | 'observer' }
  | { readonly page: 'room'; readonly code: string }
  | { readonly page: 'solo' }
  /** A read-only replay link: the token is in the fragment. */
  | { readonly page: 'watch'; readonly code: string; readonly token: string }
  | { readonly page: 'missing' };

/** Reads a route from a path such as `/join/ABCDEF` (pure, so it can be tested). */
export function parseRoute(pathname: string, search = '', hash = ''): Route {
  const parts = pathname.split('/').filter(Boolean);
  if (parts.length === 0) return { page: 'home' };
  const [first, code] = parts;
  if (first === 'solo' && parts.length === 1) return { page: 'solo' };
  if (first === 'watch' && code && parts.length === 2) return { page: 'watch', code: code.toUpperCase(), token: hash.replace(/^#/, '') };
  if ((first === 'join' || first === 'room') && parts.length <= 2) {
    const c = (code ?? '').toUpperCase();
    if (first === 'room' && c) return { page: 'room', code: c };
    const role = new URLSearchParams(search).get('as') === 'projector' ? 'observer' : 'student';
    return { page: 'join', code: c, role };
  }
  return { page: 'missing' };
}


/** A room code as a person types it ("ecx m4v", "ECX-M4V"): spaces and dashes dropped, upper case, at most 6 characters. */
export function normalizeCode(typed: string): string {
  return typed.replace(/[\s-]+/g, '').toUpperCase().slice(0, 6);
}
