/**
 * What an operation of the classroom comes to: a value, or a refusal with an error code and
 * a sentence for the person who asked. The rooms (rooms.ts) and the commands (commands.ts)
 * both answer with these.
 */
import type { AckError, ErrorCode } from '@toy-paxos/shared';

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AckError };

/** A refusal, as an operation's outcome. */
export type Refused = { readonly ok: false; readonly error: AckError };

export function fail(code: ErrorCode, message: string): Refused {
  return { ok: false, error: { code, message } };
}
