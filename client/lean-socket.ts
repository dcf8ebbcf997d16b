/**
 * A build plugin that keeps the first page light: socket.io-client without the parts
 * the classroom does not use up front.
 *
 * - Long-polling loads only when needed. engine.io-client bundles all of its
 *   transports (WebSocket, long-polling over XHR and fetch, WebTransport) into every
 *   page, because its `Socket` imports a table of them. toy-paxos connects over
 *   WebSocket and loads long-polling only when WebSocket cannot get through
 *   (src/lib/connect.ts). So the transport table holds WebSocket alone, the packages'
 *   entry points stop re-exporting the other transports, and `engine.io-client/polling`
 *   names the long-polling module, which lands in a chunk of its own.
 * - JSON only. The classroom's protocol carries no binary data, so socket.io-client
 *   gets @toy-paxos/shared/wire (shared/src/protocol/wire.ts), the same wire format without binary attachments, in place of
 *   socket.io-parser.
 *
 * Each rewrite checks the text it replaces, so that an upgrade of socket.io-client that
 * moves it fails the build with this file's name rather than shipping a broken client.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const engineDir = join(dirname(createRequire(import.meta.url).resolve('engine.io-client/package.json')), 'build', 'esm');

/** The long-polling transport, imported on demand as `engine.io-client/polling`. */
export const pollingModule = join(engineDir, 'transports', 'polling-xhr.js');

interface Rewrite {
  /** The end of the module's path. */
  readonly file: string;
  /** The text the module must hold. */
  readonly find: string | RegExp;
  readonly replace: string;
}

const rewrites: Rewrite[] = [
  {
    file: 'engine.io-client/build/esm/transports/index.js',
    find: /export const transports = \{[^}]*\};/,
    replace: 'export const transports = { websocket: WS };',
  },
  {
    file: 'engine.io-client/build/esm/transports/index.js',
    find: /import \{ XHR \} from "\.\/polling-xhr\.node\.js";\nimport \{ WS \} from "\.\/websocket\.node\.js";\nimport \{ WT \} from "\.\/webtransport\.js";/,
    replace: 'import { WS } from "./websocket.node.js";',
  },
  {
    file: 'engine.io-client/build/esm/index.js',
    find: /export \{ Fetch \} from "\.\/transports\/polling-fetch\.js";\nexport \{ XHR as NodeXHR \} from "\.\/transports\/polling-xhr\.node\.js";\nexport \{ XHR \} from "\.\/transports\/polling-xhr\.js";/,
    replace: '',
  },
  {
    file: 'engine.io-client/build/esm/index.js',
    find: 'export { WT as WebTransport } from "./transports/webtransport.js";',
    replace: '',
  },
  {
    file: 'socket.io-client/build/esm/index.js',
    find: /export \{ Fetch, NodeXHR, XHR, NodeWebSocket, WebSocket, WebTransport, \} from "engine\.io-client";/,
    replace: '',
  },
  {
    // `io.connect(...)`-style calls: the page makes its sockets with `Manager` (src/lib/connect.ts),
    // so without this `io` and its URL parsing, unused, are dropped.
    file: 'socket.io-client/build/esm/index.js',
    find: /Object\.assign\(lookup, \{\n\s*Manager,\n\s*Socket,\n\s*io: lookup,\n\s*connect: lookup,\n\}\);/,
    replace: '',
  },
];

/** The client's JSON-only parser. */
const wireModule = fileURLToPath(new URL('../shared/src/protocol/wire.ts', import.meta.url));

export function leanSocket(): Plugin {
  return {
    name: 'toy-paxos:lean-socket',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === 'engine.io-client/polling') return pollingModule;
      if (source === 'socket.io-parser' && importer?.replaceAll('\\', '/').includes('/socket.io-client/')) return wireModule;
      return null;
    },
    transform(code, id) {
      const path = id.replaceAll('\\', '/');
      const mine = rewrites.filter((r) => path.endsWith(r.file));
      if (mine.length === 0) return null;
      let out = code.replaceAll('\r\n', '\n');
      for (const r of mine) {
        const next = out.replace(r.find, r.replace);
        if (next === out) throw new Error(`client/lean-socket.ts: ${r.file} no longer holds ${String(r.find)}; update the plugin for this socket.io-client version.`);
        out = next;
      }
      return { code: out, map: null };
    },
  };
}
