/**
 * How the server keeps a room's older events: each full chunk of a log's events as
 * deflated JSON. A chunk of 1,024 events of a 99-node room is about 216 kB as JSON and
 * 10 kB deflated, and is opened again only when someone reads that part of the log
 * (a history page, a fork, a seek), in about 5 ms.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { EventCodec, RoomEvent } from '@toy-paxos/shared';

export const deflatedEvents: EventCodec<Buffer> = {
  seal: (events) => deflateRawSync(JSON.stringify(events)),
  open: (sealed) => JSON.parse(inflateRawSync(sealed).toString('utf8')) as RoomEvent[],
};
