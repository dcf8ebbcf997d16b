import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '@toy-paxos/server';
import { parseTrustProxy, reachableAddresses, startupBanner, trustFunction, type Interfaces } from '../../server/src/network';
import { buildIsCurrent, sourcesHash, STAMP } from '../../scripts/build-client';

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` };
}
function v6(address: string): NetworkInterfaceInfo {
  return { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/64`, scopeid: 0 };
}

/** A laptop on the school's Wi-Fi and a docker bridge, with a link-local address first. */
const LAPTOP: Interfaces = {
  lo: [v4('127.0.0.1', true)],
  eth0: [v4('169.254.10.2'), v6('fe80::1')],
  wlan0: [v4('192.168.1.20'), v6('2001:db8::20')],
  docker0: [v4('172.17.0.1')],
};

describe('the addresses printed at start-up', () => {
  it('on every address: localhost, then every LAN IPv4 address with link-local ones last', () => {
    expect(reachableAddresses('0.0.0.0', 3000, 'http', LAPTOP)).toEqual({
      everywhere: true,
      local: 'http://localhost:3000',
      network: ['http://192.168.1.20:3000', 'http://172.17.0.1:3000', 'http://169.254.10.2:3000'],
    });
  });

  it('on loopback only: no network address; on one address: that one', () => {
    expect(reachableAddresses('127.0.0.1', 3000, 'http', LAPTOP)).toEqual({ everywhere: false, local: 'http://localhost:3000', network: [] });
    expect(reachableAddresses('192.168.1.20', 8443, 'https', LAPTOP)).toEqual({ everywhere: false, local: 'https://192.168.1.20:8443', network: ['https://192.168.1.20:8443'] });
  });

  it('prints each with its join page and marks the one in join links', () => {
    const config = configFromEnv({ PORT: '3000' }, LAPTOP);
    expect(startupBanner(config.reachable!, config.publicUrl, false)).toBe(
      [
        'toy-paxos classroom is running.',
        '',
        '  Instructor: open http://localhost:3000/ and choose "Open a room".',
        '',
        '  Students join at:',
        '  Local:     http://localhost:3000/join',
        '  Network:   http://192.168.1.20:3000/join   <- in join links and QR codes',
        '  Network:   http://172.17.0.1:3000/join',
        '  Network:   http://169.254.10.2:3000/join',
      ].join('\n'),
    );
  });

  it('says what to do when no network can reach the server', () => {
    const config = configFromEnv({}, { lo: [v4('127.0.0.1', true)] });
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(startupBanner(config.reachable!, config.publicUrl, false)).toContain('No network address found: only this computer can join.');
  });

  it('with PUBLIC_URL set, lists it as the one in join links', () => {
    const config = configFromEnv({ PUBLIC_URL: 'https://paxos.school.example/' }, LAPTOP);
    const banner = startupBanner(config.reachable!, config.publicUrl, config.publicUrlSet!);
    expect(banner).toContain('  Public:    https://paxos.school.example/join   <- in join links and QR codes');
    expect(banner).toContain('  Network:   http://192.168.1.20:3000/join\n');
  });
});

describe('configFromEnv on a network', () => {
  it('uses the first LAN address for join links when PUBLIC_URL is not set, and allows every address as an origin', () => {
    const c = configFromEnv({}, LAPTOP);
    expect(c.publicUrl).toBe('http://192.168.1.20:3000');
    expect(c.allowedOrigins).toEqual(['http://192.168.1.20:3000', 'http://localhost:3000', 'http://127.0.0.1:3000', 'http://172.17.0.1:3000', 'http://169.254.10.2:3000']);
  });

  it('lets PUBLIC_URL win, and keeps localhost when the server listens on loopback only', () => {
    expect(configFromEnv({ PUBLIC_URL: 'http://10.0.0.5:3000' }, LAPTOP).publicUrl).toBe('http://10.0.0.5:3000');
    expect(configFromEnv({ HOST: '127.0.0.1' }, LAPTOP).publicUrl).toBe('http://localhost:3000');
  });

  it('serves https with TLS_CERT and TLS_KEY, which go together', () => {
    const c = configFromEnv({ TLS_CERT: '/etc/tls/cert.pem', TLS_KEY: '/etc/tls/key.pem', PORT: '8443' }, LAPTOP);
    expect(c.tls).toEqual({ certFile: '/etc/tls/cert.pem', keyFile: '/etc/tls/key.pem' });
    expect(c.publicUrl).toBe('https://192.168.1.20:8443');
    expect(() => configFromEnv({ TLS_CERT: '/etc/tls/cert.pem' })).toThrow(/TLS_CERT and TLS_KEY go together/);
    expect(() => configFromEnv({ TLS_KEY: '/etc/tls/key.pem' })).toThrow(/TLS_CERT and TLS_KEY go together/);
  });

  it('refuses a PUBLIC_URL that is not an address, naming what is wrong', () => {
    expect(() => configFromEnv({ PUBLIC_URL: '192.168.1.20:3000' })).toThrow(/PUBLIC_URL must be an address such as http:\/\/192.168.1.20:3000/);
    expect(() => configFromEnv({ PUBLIC_URL: 'http://192.168.1.20:3000/class' })).toThrow(/with no path, query or fragment/);
    expect(() => configFromEnv({ PUBLIC_URL: 'http://192.168.1.20:3000?x=1' })).toThrow(/with no path, query or fragment/);
    expect(() => configFromEnv({ PUBLIC_URL: 'http://192.168.1.20:3000#top' })).toThrow(/with no path, query or fragment/);
    expect(() => configFromEnv({ PUBLIC_URL: 'http://user:pw@192.168.1.20:3000' })).toThrow(/must not hold a user name or password/);
    expect(() => configFromEnv({ PUBLIC_URL: 'ftp://192.168.1.20' })).toThrow(/must start with http:\/\/ or https:\/\//);
    expect(() => configFromEnv({ ALLOWED_ORIGINS: 'http://a.example, nonsense' })).toThrow(/ALLOWED_ORIGINS must be an address/);
  });

  it('writes PUBLIC_URL and ALLOWED_ORIGINS as browsers send Origin: lower case, no default port', () => {
    expect(configFromEnv({ PUBLIC_URL: 'HTTP://Classroom.TEST:3410/' }).publicUrl).toBe('http://classroom.test:3410');
    const c = configFromEnv({ PUBLIC_URL: 'https://paxos.school.example:443', ALLOWED_ORIGINS: 'http://paxos.school.example:80,https://paxos.school.example:443/' });
    expect(c.publicUrl).toBe('https://paxos.school.example');
    expect(c.allowedOrigins).toEqual(['http://paxos.school.example', 'https://paxos.school.example']);
  });

  it('refuses an unknown LOG_LEVEL with the ones it knows', () => {
    expect(() => configFromEnv({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "loud"');
  });
});

describe('TRUST_PROXY', () => {
  it('reads Express trust proxy values', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy(' loopback, 10.0.0.0/8 ')).toBe('loopback,10.0.0.0/8');
    expect(configFromEnv({ TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
  });

  it('refuses what Express would not understand, naming the variable', () => {
    expect(() => parseTrustProxy('not-an-address')).toThrow(/TRUST_PROXY must be true, false, a number of proxies, or addresses and subnets/);
  });

  it('believes exactly the proxies it names', () => {
    expect(trustFunction(false)('127.0.0.1', 0)).toBe(false);
    expect(trustFunction(true)('203.0.113.9', 5)).toBe(true);
    const oneHop = trustFunction(1);
    expect([oneHop('203.0.113.9', 0), oneHop('203.0.113.9', 1)]).toEqual([true, false]);
    const loopback = trustFunction('loopback');
    expect([loopback('127.0.0.1', 0), loopback('192.168.1.20', 0)]).toEqual([true, false]);
  });
});

describe('npm start builds the client only when its sources changed', () => {
  function tree(): string {
    const root = mkdtempSync(join(tmpdir(), 'toy-paxos-build-'));
    mkdirSync(join(root, 'client', 'src'), { recursive: true });
    mkdirSync(join(root, 'client', 'dist'), { recursive: true });
    mkdirSync(join(root, 'shared', 'src'), { recursive: true });
    writeFileSync(join(root, 'client', 'src', 'main.ts'), 'export {};');
    writeFileSync(join(root, 'shared', 'src', 'index.ts'), 'export const a = 1;');
    writeFileSync(join(root, 'package-lock.json'), '{}');
    return root;
  }

  it('hashes the sources, not the build or the modules', () => {
    const root = tree();
    const before = sourcesHash(root);
    writeFileSync(join(root, 'client', 'dist', 'index.html'), '<!doctype html>');
    mkdirSync(join(root, 'client', 'node_modules'));
    writeFileSync(join(root, 'client', 'node_modules', 'x.js'), '1');
    expect(sourcesHash(root)).toBe(before);
    writeFileSync(join(root, 'shared', 'src', 'index.ts'), 'export const a = 2;');
    expect(sourcesHash(root)).not.toBe(before);
  });

  it('calls a build current only with its stamp and its page', () => {
    const root = tree();
    const hash = sourcesHash(root);
    expect(buildIsCurrent(root, hash)).toBe(false);
    writeFileSync(join(root, 'client', 'dist', 'index.html'), '<!doctype html>');
    writeFileSync(join(root, STAMP), `${hash}\n`);
    expect(buildIsCurrent(root, hash)).toBe(true);
    writeFileSync(join(root, 'client', 'src', 'main.ts'), 'export const changed = true;');
    expect(buildIsCurrent(root, sourcesHash(root))).toBe(false);
  });
});
