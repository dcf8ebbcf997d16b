/** Tokens, room codes and rate limits. */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { ROOM_CODE_ALPHABET, ROOM_CODE_LENGTH } from '@toy-paxos/shared';

/** A session token: 32 random bytes, base64url. Only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A room code from the unambiguous alphabet, drawn with a cryptographic generator. */
export function newRoomCode(): string {
  let code = '';
  for (let i = 0; i < ROOM_CODE_LENGTH; i++) code += ROOM_CODE_ALPHABET[randomInt(ROOM_CODE_ALPHABET.length)];
  return code;
}

/** A token bucket: `burst` actions at once, refilled at `perSecond`. Time comes in as data. */
export class TokenBucket {
  #tokens: number;
  #lastMs: number;
  constructor(
    readonly burst: number,
    readonly perSecond: number,
    nowMs: number,
  ) {
    this.#tokens = burst;
    this.#lastMs = nowMs;
  }
  /** Takes one token; false when the bucket is empty. */
  take(nowMs: number): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((nowMs - this.#lastMs) / 1000) * this.perSecond);
    this.#lastMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Counts actions per key (a client address) in a sliding minute, with a bound on the keys it keeps. */
export class PerMinuteLimiter {
  readonly #hits = new Map<string, number[]>();
  constructor(
    readonly perMinute: number,
    readonly keysMax = 10_000,
  ) {}

  #recent(key: string, nowMs: number): number[] {
    return (this.#hits.get(key) ?? []).filter((t) => nowMs - t < 60_000);
  }

  /** True when `key` has used up its minute. */
  blocked(key: string, nowMs: number): boolean {
    return this.#recent(key, nowMs).length >= this.perMinute;
  }

  /** Counts one action for `key`. */
  record(key: string, nowMs: number): void {
    const recent = this.#recent(key, nowMs);
    recent.push(nowMs);
    if (!this.#hits.has(key) && this.#hits.size >= this.keysMax) this.#hits.delete(this.#hits.keys().next().value!);
    this.#hits.set(key, recent);
  }

  /** Counts one action for `key`; false (and not counted) when it is over the limit. */
  allow(key: string, nowMs: number): boolean {
    if (this.blocked(key, nowMs)) return false;
    this.record(key, nowMs);
    return true;
  }
}
