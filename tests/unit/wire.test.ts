/**
 * The web client's JSON-only socket.io parser (@toy-paxos/shared/wire), held to
 * socket.io-parser, the one the server runs: the same text out, the same packets in,
 * and the same refusals.
 */
import fc from 'fast-check';
import { Decoder as ReferenceDecoder, Encoder as ReferenceEncoder } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { decodePacket, Decoder, Encoder, encodePacket, PacketType, type Packet } from '@toy-paxos/shared/wire';

/** What socket.io-parser makes of a text, the error it throws, or 'waiting' for binary attachments. */
function reference(text: string): Packet | Error | 'waiting' {
  const decoder = new ReferenceDecoder();
  let packet: Packet | Error | 'waiting' = 'waiting';
  decoder.on('decoded', (p: Packet) => (packet = p));
  try {
    decoder.add(text);
  } catch (e) {
    return e as Error;
  }
  return packet;
}

const json = fc.jsonValue().filter((v) => v !== null);
const nsp = fc.constantFrom('/', '/admin', '/a-b');
const id = fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined });
const eventName = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'].includes(s));
const packet: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({ type: fc.constant(PacketType.CONNECT), nsp, data: fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 3 }) }),
  fc.record({ type: fc.constant(PacketType.DISCONNECT), nsp }),
  fc.record({ type: fc.constant(PacketType.EVENT), nsp, id, data: fc.tuple(eventName, fc.array(json, { maxLength: 3 })).map(([n, args]) => [n, ...args]) }),
  fc.record({ type: fc.constant(PacketType.ACK), nsp, id: fc.nat({ max: 1_000_000 }), data: fc.array(json, { maxLength: 3 }) }),
  fc.record({ type: fc.constant(PacketType.CONNECT_ERROR), nsp, data: fc.oneof(fc.string(), fc.record({ message: fc.string() })) }),
).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as Packet);

describe('the JSON-only wire format', () => {
  it('writes every packet as socket.io-parser does, and reads it back as socket.io-parser does', () => {
    const encoder = new ReferenceEncoder();
    fc.assert(
      fc.property(packet, (p) => {
        const text = encodePacket(p);
        expect(text).toBe(encoder.encode(p)[0]);
        expect(decodePacket(text)).toEqual(reference(text));
        expect(new Encoder().encode(p)).toEqual([text]);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what socket.io-parser refuses, with an error, and reads odd but valid text alike', () => {
    const bad = ['9', 'x', '2{"a":1}', '2["connect"]', '2[]', '1"x"', '0[1]', '4[1]', '3{}', '2[1', '2/admin,["e"', '0/admin,5x'];
    for (const text of bad) {
      expect(reference(text), text).toBeInstanceOf(Error);
      expect(() => decodePacket(text), text).toThrow();
    }
    for (const text of ['', '2', '1/admin', '3/admin,7[]', '27["e"]', '0/admin']) {
      expect(reference(text), text).not.toBeInstanceOf(Error);
      expect(decodePacket(text), text).toEqual(reference(text));
    }
  });

  it('refuses binary packets, which the classroom never sends', () => {
    const text = '51-["upload",{"_placeholder":true,"num":0}]';
    expect(reference(text)).toBe('waiting');
    expect(() => decodePacket(text)).toThrow('unknown packet type "5"');
    expect(() => new Decoder().add(new Uint8Array([1, 2]))).toThrow('the classroom sends no binary data');
  });

  it('hands each decoded packet to its listeners, until they are removed', () => {
    const decoder = new Decoder();
    const seen: Packet[] = [];
    const listener = (p: Packet) => seen.push(p);
    decoder.on('decoded', listener);
    decoder.add('2["room:records",{"records":[]}]');
    decoder.off('decoded', listener);
    decoder.add('2["room:records",{"records":[]}]');
    expect(seen).toEqual([{ type: PacketType.EVENT, nsp: '/', data: ['room:records', { records: [] }] }]);
  });
});
