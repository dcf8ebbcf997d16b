import { describe, expect, it } from 'vitest';
import { configFromEnv, DEFAULT_LIMITS, expiryAfter } from '@toy-paxos/server';

describe('configFromEnv', () => {
  it('has the documented defaults', () => {
    const c = configFromEnv({});
    expect(c).toMatchObject({ port: 3000, host: '0.0.0.0', dataDir: './data', logLevel: 'info', publicUrl: 'http://localhost:3000' });
    expect(c.allowedOrigins).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000']);
    expect(c.limits).toEqual(DEFAULT_LIMITS);
    expect(c.clientDir.endsWith('/client/dist')).toBe(true);
  });

  it('reads every variable', () => {
    const c = configFromEnv({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/toy-paxos',
      ALLOWED_ORIGINS: 'https://paxos.school.example, http://localhost:8080',
      PUBLIC_URL: 'https://paxos.school.example/',
      LOG_LEVEL: 'warn',
      ROOM_TTL_HOURS: '2',
    });
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: '/var/lib/toy-paxos', publicUrl: 'https://paxos.school.example', logLevel: 'warn' });
    expect(c.allowedOrigins).toEqual(['https://paxos.school.example', 'http://localhost:8080']);
    expect(c.limits.roomTtlMs).toBe(2 * 60 * 60 * 1000);
  });

  it('refuses a bad PORT or ROOM_TTL_HOURS with a sentence that names it', () => {
    expect(() => configFromEnv({ PORT: '' })).toThrow(/PORT must be a port number/);
    expect(() => configFromEnv({ PORT: '70000' })).toThrow(/PORT must be a port number/);
    expect(() => configFromEnv({ ROOM_TTL_HOURS: '0' })).toThrow(/ROOM_TTL_HOURS must be a positive number/);
  });
});

describe('expiryAfter', () => {
  it('is the time to live after the activity, rounded up to the minute: never earlier, and the same all through a minute', () => {
    const day = 24 * 60 * 60 * 1000;
    const start = Date.UTC(2026, 11, 7, 9, 0, 0);
    for (const now of [start, start + 1, start + 59_999, start + 60_000, start + 123_456]) {
      const at = expiryAfter(now, day);
      expect(at).toBeGreaterThanOrEqual(now + day);
      expect(at - (now + day)).toBeLessThan(60_000);
      expect(at % 60_000).toBe(0);
    }
    // A minute of activity moves it once.
    const minute = new Set(Array.from({ length: 60 }, (_, i) => expiryAfter(start + 1 + i * 1000, day)));
    expect(minute.size).toBe(1);
    // A short time to live is rounded by a hundredth of it, not by a minute.
    expect(expiryAfter(start + 1, 10_000) - (start + 1 + 10_000)).toBeLessThan(100);
  });
});
