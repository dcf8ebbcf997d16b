/**
 * The socket.io wire format for JSON, which the web client's build uses in place
 * of socket.io-parser (see client/lean-socket.ts). The classroom's protocol carries no
 * binary data, so this reads and writes socket.io's packets (protocol 5) as
 * socket.io-parser does, without its support for binary attachments.
 */

export const protocol = 5;

/** The packet types, numbered as on the wire. Binary packets are never sent here. */
export const PacketType = { CONNECT: 0, DISCONNECT: 1, EVENT: 2, ACK: 3, CONNECT_ERROR: 4, BINARY_EVENT: 5, BINARY_ACK: 6 } as const;

export interface Packet {
  type: number;
  nsp: string;
  id?: number;
  data?: unknown;
}

// Event names socket.io keeps for itself: a server cannot send them as events.
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

const isObject = (v: unknown): boolean => Object.prototype.toString.call(v) === '[object Object]';

function payloadValid(type: number, data: unknown): boolean {
  switch (type) {
    case PacketType.CONNECT:
      return isObject(data);
    case PacketType.CONNECT_ERROR:
      return typeof data === 'string' || isObject(data);
    case PacketType.EVENT:
      return Array.isArray(data) && (typeof data[0] === 'number' || (typeof data[0] === 'string' && !RESERVED_EVENTS.has(data[0])));
    case PacketType.ACK:
      return Array.isArray(data);
    default:
      return false;
  }
}

/** One packet as its text: type, then the namespace if not `/`, the ack id, and the JSON data. */
export function encodePacket(packet: Packet): string {
  let text = String(packet.type);
  if (packet.nsp && packet.nsp !== '/') text += `${packet.nsp},`;
  if (packet.id != null) text += packet.id;
  if (packet.data != null) text += JSON.stringify(packet.data);
  return text;
}

/** Reads one packet's text; throws on anything socket.io-parser would refuse, and on binary packets. */
export function decodePacket(text: string): Packet {
  const type = Number(text.charAt(0));
  if (!(type >= PacketType.CONNECT && type <= PacketType.CONNECT_ERROR)) throw new Error(`unknown packet type ${JSON.stringify(text.charAt(0))}`);
  let i = 1;
  let nsp = '/';
  if (text.charAt(i) === '/') {
    const comma = text.indexOf(',', i);
    const end = comma === -1 ? text.length : comma;
    nsp = text.slice(i, end);
    i = end + 1;
  }
  const packet: Packet = { type, nsp };
  const idStart = i;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i > idStart) packet.id = Number(text.slice(idStart, i));
  if (i < text.length) {
    let data: unknown;
    try {
      data = JSON.parse(text.slice(i));
    } catch {
      throw new Error('invalid payload');
    }
    if (!payloadValid(type, data)) throw new Error('invalid payload');
    packet.data = data;
  }
  return packet;
}

export class Encoder {
  encode(packet: Packet): string[] {
    return [encodePacket(packet)];
  }
}

type Listener = (packet: Packet) => void;

/** Emits `decoded` for every packet added, as socket.io-client's manager expects of a parser. */
export class Decoder {
  readonly #listeners = new Set<Listener>();

  on(_event: 'decoded', listener: Listener): this {
    this.#listeners.add(listener);
    return this;
  }

  off(_event?: 'decoded', listener?: Listener): this {
    if (listener) this.#listeners.delete(listener);
    else this.#listeners.clear();
    return this;
  }

  add(chunk: unknown): void {
    if (typeof chunk !== 'string') throw new Error('the classroom sends no binary data');
    const packet = decodePacket(chunk);
    for (const listener of [...this.#listeners]) listener(packet);
  }

  destroy(): void {}
}
