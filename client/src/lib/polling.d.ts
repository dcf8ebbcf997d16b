/** engine.io-client's long-polling transport on its own, as ../../lean-socket.ts resolves it. */
declare module 'engine.io-client/polling' {
  export { XHR } from 'engine.io-client';
}
