import { expect } from 'vitest';
import { RoomLog, initialRoomState, otherValueQuestion, DEFAULT_SETTINGS, type RoomCommand, type RoomSettings, type Annotation, type SettingsChange, SAFE_RULES } from '@toy-paxos/shared';

/** A room with the given nodes and settings, ready for given/when/then tests. */
export function room(nodes: string[], settings: SettingsChange = {}): RoomLog {
  const full: RoomSettings = {
    ...DEFAULT_SETTINGS,
    q1: Math.floor(nodes.length / 2) + 1,
    q2: Math.floor(nodes.length / 2) + 1,
    ...settings,
    rules: { ...SAFE_RULES, ...settings.rules },
  };
  const log = new RoomLog(initialRoomState(full));
  for (const n of nodes) ok(log, { type: 'addNode', node: n });
  return log;
}

/** Dispatches commands that must be accepted, as a classroom does (with the explorer's search); returns their entries. */
export function ok(log: RoomLog, ...commands: RoomCommand[]): Annotation[] {
  const entries: Annotation[] = [];
  for (const c of commands) {
    const r = log.dispatch(c, { searched: otherValueQuestion });
    if (!r.ok) throw new Error(`${c.type} refused: ${r.code}: ${r.explanation}`);
    entries.push(...r.entries);
  }
  return entries;
}

/** Dispatches a command that must be refused with `code`, and checks the log did not change. */
export function refused(log: RoomLog, command: RoomCommand, code: string): string {
  const before = JSON.stringify(log.state);
  const r = log.dispatch(command, { searched: otherValueQuestion });
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.code).toBe(code);
  expect(JSON.stringify(log.state)).toBe(before);
  return r.explanation;
}
