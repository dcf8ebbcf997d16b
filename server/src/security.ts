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
  /**
   * Takes `n` tokens; false (and nothing taken) when there are fewer. More than `burst`
   * at once is allowed from a bucket at most one second's refill short of full, which it
   * then empties: a request to every node of a large room goes through right after the
   * proposal before it.
   */
  take(nowMs: number, n = 1): boolean {
    if (!this.has(nowMs, n)) return false;
    this.#tokens = Math.max(0, this.#tokens - Math.min(n, this.burst));
    return true;
  }

  /** Whether `n` tokens could be taken now (as `take` counts them), taking none. */
  has(nowMs: number, n = 1): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((nowMs - this.#lastMs) / 1000) * this.perSecond);
    this.#lastMs = nowMs;
    return this.#tokens >= (n > this.burst ? Math.max(1, this.burst - this.perSecond) : n);
  }
}

/** One token bucket per key (a session's token hash, a client address), with a bound on the keys it keeps. */
export class BucketMap {
  readonly #buckets = new Map<string, TokenBucket>();
  constructor(
    readonly burst: number,
    readonly perSecond: number,
    readonly keysMax = 10_000,
  ) {}

  /** The key's bucket, full when new. The least recently used key goes first when there are too many. */
  get(key: string, nowMs: number): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (bucket) this.#buckets.delete(key);
    else {
      bucket = new TokenBucket(this.burst, this.perSecond, nowMs);
      if (this.#buckets.size >= this.keysMax) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    this.#buckets.set(key, bucket);
    return bucket;
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

  /** Counts `cost` actions for `key` (one by default). */
  record(key: string, nowMs: number, cost = 1): void {
    const recent = this.#recent(key, nowMs);
    for (let i = 0; i < cost; i++) recent.push(nowMs);
    if (!this.#hits.has(key) && this.#hits.size >= this.keysMax) this.#hits.delete(this.#hits.keys().next().value!);
    this.#hits.set(key, recent);
  }

  /**
   * Counts an action of `cost` (at most the whole minute's allowance) for `key`; false, and
   * not counted, when it does not fit in what is left of the minute.
   */
  allow(key: string, nowMs: number, cost = 1): boolean {
    const spend = Math.min(cost, this.perMinute);
    if (this.#recent(key, nowMs).length + spend > this.perMinute) return false;
    this.record(key, nowMs, spend);
    return true;
  }
}
