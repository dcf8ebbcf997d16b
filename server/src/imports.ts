/**
 * Reading an imported file (`POST /api/rooms` with `{ import }`): a JSON session export or a
 * scenario script, validated whole, with the room's event limit checked at every step of a
 * scenario's run. It runs in a worker thread (import-worker.mjs), never on the main thread:
 * a short script can make hundreds of thousands of events.
 */
import { parseScenario, runScenario, ScenarioError, type RoomEvent, type RoomState } from '@toy-paxos/shared';
import { parseSessionFile } from '@toy-paxos/shared/protocol';

export type ImportResult =
  | { readonly ok: true; readonly title: string | null; readonly initial: RoomState; readonly events: readonly RoomEvent[] }
  | { readonly ok: false; readonly code: 'bad-request' | 'log-full'; readonly error: string };

/** How many of a scenario's bad lines an import's refusal names. */
const PROBLEMS_SHOWN = 10;

/** A request body's `import`, checked for its shape; null when it is not one. */
export function importFile(body: unknown): { name: string; text: string } | null {
  const file = (body as { import?: { name?: unknown; text?: unknown } }).import;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof file !== 'object' || file === null || typeof file.text !== 'string' || Object.keys(body).length !== 1) {
    return null;
  }
  return { name: typeof file.name === 'string' ? file.name : '', text: file.text };
}

/**
 * Reads a session file or runs a scenario script; the error names the line or the field.
 * The file's title (checked as typed text is) becomes the room's; null when it has none.
 */
export function readImport({ name, text }: { name: string; text: string }, eventsMax: number): ImportResult {
  const tooMany = (n: number): ImportResult => ({ ok: false, code: 'log-full', error: `The file has ${n} events; a room holds at most ${eventsMax}.` });
  if (name.endsWith('.json') || text.trimStart().startsWith('{')) {
    const parsed = parseSessionFile(text);
    if (!parsed.ok) return { ok: false, code: 'bad-request', error: parsed.error };
    return parsed.events.length > eventsMax ? tooMany(parsed.events.length) : { ok: true, title: parsed.title || null, initial: parsed.initial, events: parsed.events };
  }
  try {
    const scenario = parseScenario(text);
    const run = runScenario(scenario, { eventsMax, annotate: false });
    const failure = run.failures[0];
    if (failure) {
      const over = run.log.length > eventsMax;
      return { ok: false, code: over ? 'log-full' : 'bad-request', error: `line ${failure.line}: ${failure.message}` };
    }
    return { ok: true, title: scenario.title || null, initial: run.log.stateAt(0), events: run.log.events };
  } catch (e) {
    if (e instanceof ScenarioError) {
      // The first lines to fix, not one sentence per line of a file of 5,000 bad lines.
      const shown = e.problems.slice(0, PROBLEMS_SHOWN).map((p) => `line ${p.line}: ${p.message}`);
      const more = e.problems.length - shown.length;
      return { ok: false, code: 'bad-request', error: shown.join('; ') + (more > 0 ? `; and ${more} more line${more === 1 ? '' : 's'} to fix` : '') };
    }
    throw e;
  }
}
