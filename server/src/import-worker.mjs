// Reads one imported file off the main thread (see imports.ts): the main thread only
// waits for the answer, and stops this worker when it takes too long or grows too large.
// Plain ESM that loads the TypeScript sources through tsx, as the server itself runs.
// The events go back as JSON in UTF-8 bytes, a slice after another, in a buffer handed
// over without a copy: objects would take the main thread longer to receive than the
// whole import took here.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { readImport } = await import('./imports.ts');
const result = readImport(workerData.file, workerData.eventsMax);
if (result.ok) {
  const utf8 = new TextEncoder();
  const parts = [];
  const sliceEnds = [];
  let length = 0;
  for (let i = 0; i < result.events.length; i += workerData.sliceEvents) {
    const bytes = utf8.encode(JSON.stringify(result.events.slice(i, i + workerData.sliceEvents)));
    parts.push(bytes);
    length += bytes.length;
    sliceEnds.push(length);
  }
  const json = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    json.set(p, at);
    at += p.length;
  }
  // Two copies, made here: one for the main thread, one it hands on to the store's writer.
  const storeJson = json.slice();
  parentPort.postMessage({ ok: true, title: result.title, initial: result.initial, json, storeJson, sliceEnds, count: result.events.length }, [json.buffer, storeJson.buffer]);
} else parentPort.postMessage(result);
