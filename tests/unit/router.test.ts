/** start:cluster's router (server/src/router.ts): which process a request goes to, by the room it names. */
import { describe, expect, it } from 'vitest';
import { roomOfRequest, slotOfRoom } from '../../server/src/router';

const codes = Array.from({ length: 600 }, (_, i) => `R${i.toString(36).toUpperCase().padStart(5, '0')}`);

describe('roomOfRequest', () => {
  it('reads the room code of a socket.io request, upper-cased, wherever it is in the query', () => {
    expect(roomOfRequest('GET /socket.io/?room=abc234&EIO=4&transport=websocket HTTP/1.1')).toBe('ABC234');
    expect(roomOfRequest('GET /socket.io/?EIO=4&transport=polling&t=xyz&room=ABC234 HTTP/1.1')).toBe('ABC234');
  });

  it('finds no room in a request that names none, or names it in another parameter', () => {
    expect(roomOfRequest('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1')).toBeNull();
    expect(roomOfRequest('GET /join/ABC234 HTTP/1.1')).toBeNull();
    expect(roomOfRequest('GET /socket.io/?classroom=ABC234 HTTP/1.1')).toBeNull();
    expect(roomOfRequest('GET /socket.io/?room=AB%20C HTTP/1.1')).toBeNull();
  });
});

describe('slotOfRoom (rendezvous hashing)', () => {
  it('puts a room on the same slot every time, and spreads rooms over the slots', () => {
    const slots = [0, 1, 2, 3];
    const placed = codes.map((c) => slotOfRoom(c, slots));
    expect(codes.map((c) => slotOfRoom(c, [3, 2, 1, 0]))).toEqual(placed);
    for (const slot of slots) expect(placed.filter((s) => s === slot).length).toBeGreaterThan(codes.length / 8);
  });

  it('moves only the rooms of a slot that leaves, and brings them back when it returns', () => {
    const before = codes.map((c) => slotOfRoom(c, [0, 1, 2]));
    const without1 = codes.map((c) => slotOfRoom(c, [0, 2]));
    codes.forEach((_, i) => {
      if (before[i] !== 1) expect(without1[i]).toBe(before[i]);
      else expect(without1[i]).not.toBe(1);
    });
    expect(codes.map((c) => slotOfRoom(c, [0, 2, 1]))).toEqual(before);
  });

  it('has no slot for a room when none is live', () => {
    expect(slotOfRoom('ABC234', [])).toBeNull();
  });
});
