/**
 * How the server is reached: the addresses it can be opened at (for the start-up
 * banner and the default join address), which proxies to believe, and TLS.
 * Pure: the network interfaces come in as data, so every case can be tested.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import proxyaddr from 'proxy-addr';

/** What `os.networkInterfaces()` returns. */
export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Express's `trust proxy` setting: false trusts no proxy (the default). */
export type TrustProxy = boolean | number | string;

/** Where the server can be opened: on this machine, and from the network. */
export interface Reachable {
  /** Listening on every address (HOST 0.0.0.0), so the LAN can reach it when there is one. */
  readonly everywhere: boolean;
  readonly local: string;
  /** Every LAN address in the interfaces' order, private ranges before link-local ones. */
  readonly network: readonly string[];
}

const ALL_ADDRESSES = new Set(['', '0.0.0.0', '::', '[::]']);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function origin(scheme: string, host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${h}:${port}`;
}

/**
 * The addresses a server listening on `host` can be reached at. On every address
 * (`0.0.0.0`), that is localhost and each IPv4 address of the LAN interfaces, as
 * Vite's dev server prints them; on one address, that one.
 */
export function reachableAddresses(host: string, port: number, scheme: 'http' | 'https', interfaces: Interfaces): Reachable {
  const local = origin(scheme, 'localhost', port);
  if (LOOPBACK.has(host)) return { everywhere: false, local, network: [] };
  // One address: this computer reaches it at that address too, not at localhost.
  if (!ALL_ADDRESSES.has(host)) return { everywhere: false, local: origin(scheme, host, port), network: [origin(scheme, host, port)] };
  const lan: string[] = [];
  const linkLocal: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal || a.family !== 'IPv4') continue;
      (a.address.startsWith('169.254.') ? linkLocal : lan).push(origin(scheme, a.address, port));
    }
  }
  return { everywhere: true, local, network: [...new Set([...lan, ...linkLocal])] };
}

/** Reads `TRUST_PROXY` as Express does: true, a number of hops, or addresses and subnets. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = (value ?? '').trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    proxyaddr.compile(list);
  } catch (e) {
    throw new Error(
      `TRUST_PROXY must be true, false, a number of proxies, or addresses and subnets such as "loopback" or "10.0.0.0/8", not "${value}" (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  return list.join(',');
}

/** The function that decides, address by address, whether to believe a proxy's X-Forwarded-For. */
export function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (typeof trust === 'boolean') return () => trust;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile(trust.split(','));
}

/** The client's address: the socket's, or the one a trusted proxy forwarded. */
export function clientAddress(req: Parameters<typeof proxyaddr>[0], trust: (address: string, hop: number) => boolean): string {
  return proxyaddr(req, trust);
}

/** The lines `npm start` prints once the server listens. */
export function startupBanner(reach: Reachable, publicUrl: string, publicUrlSet: boolean): string {
  const width = 10;
  const line = (label: string, url: string, note = '') => `  ${label.padEnd(width)} ${url}/join${note}`;
  const marker = '   <- in join links and QR codes';
  const lines = ['toy-paxos classroom is running.', '', `  Instructor: open ${reach.local}/ and choose "Open a room".`, '', '  Students join at:'];
  if (!reach.network.includes(reach.local)) lines.push(line('Local:', reach.local, !publicUrlSet && publicUrl === reach.local ? marker : ''));
  for (const url of reach.network) lines.push(line('Network:', url, !publicUrlSet && url === publicUrl ? marker : ''));
  if (publicUrlSet) lines.push(line('Public:', publicUrl, marker));
  else if (reach.everywhere && reach.network.length === 0) {
    lines.push('', '  No network address found: only this computer can join. Connect to the class network,', '  or set PUBLIC_URL to the address students can reach.');
  }
  return lines.join('\n');
}

/** A start-up problem an instructor can fix (a setting, a busy port): one sentence on stderr, no stack, exit status 2. */
export function cannotStart(e: unknown, env: NodeJS.ProcessEnv): never {
  const code = (e as { code?: string }).code;
  const message =
    code === 'EADDRINUSE'
      ? `port ${env.PORT ?? 3000} is in use: stop the other server, or choose another port with PORT=3001`
      : code === 'EADDRNOTAVAIL'
        ? `HOST ${env.HOST} is not an address of this computer: leave HOST unset to listen on every address`
        : code === 'EACCES'
          ? `port ${env.PORT} needs administrator rights: choose a port above 1023, such as PORT=3000`
          : e instanceof Error
            ? e.message
            : String(e);
  console.error(`toy-paxos cannot start: ${message}`);
  process.exit(2);
}
