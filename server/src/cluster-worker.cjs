// Loaded first in each server process of `npm run start:cluster` (cluster.ts passes it with
// --require), before Node's start-up has run what it queued. Plain CommonJS, so that it
// runs before the TypeScript loader and the process's own code.
//
// With no primary, no connection can reach a server process: it stops, saying so, with exit
// code 0, as Node's own cluster code does when it hears that the primary has gone (its
// channel's 'disconnect'). But a primary killed while this process starts leaves it a
// closed channel before it can hear that: Node's first message on it (that the process is
// online) fails with EPIPE, an 'error' of cluster.worker that nothing else is there yet to
// hear, and the process died of it with a stack trace. Here it stops the same way.
'use strict';
const cluster = require('node:cluster');

/** Errors of a message to a primary that is gone. */
const PRIMARY_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_IPC_CHANNEL_CLOSED']);

const say = () => console.error(`toy-paxos: server process ${process.pid} stops: the primary (npm run start:cluster) is gone`);

cluster.worker?.on('error', (err) => {
  if (!PRIMARY_GONE.has(err?.code)) throw err;
  say();
  process.exit(0);
});
// Node exits right after this, unless the process itself asked to leave.
cluster.worker?.on('disconnect', () => {
  if (!cluster.worker.exitedAfterDisconnect) say();
});
