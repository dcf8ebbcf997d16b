/**
 * The replicated key-value store each node of a Multi-Paxos room runs its chosen commands on,
 * in slot order: reading a client command (`parseKvCommand`, the one check of one) and running
 * one (`runKvCommand`). Plain functions of plain data, for the learner's program (programs.ts)
 * and for the checks of commands as they arrive.
 */
import { MULTI_LIMITS, NO_OP } from './types';

export type KvCommand =
  | { readonly op: 'set'; readonly key: string; readonly value: string }
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'noop' };

const KEY = new RegExp(`^[a-z][a-z0-9_]{0,${MULTI_LIMITS.keyLengthMax - 1}}$`);
const VALUE = new RegExp(`^[A-Za-z0-9_.-]{1,${MULTI_LIMITS.valueLengthMax}}$`);

/**
 * Reads a client command, `set KEY VALUE` or `get KEY`, exactly as the core keeps it
 * (single spaces); `no-op` only when the leader fills a hole (`allowNoOp`). Returns the
 * command, or a sentence that says what is wrong and how to write it.
 */
export function parseKvCommand(text: string, allowNoOp = false): KvCommand | string {
  const how = `write "set KEY VALUE" or "get KEY", with a KEY of 1 to ${MULTI_LIMITS.keyLengthMax} lower-case letters, digits or _ starting with a letter, and a VALUE of 1 to ${MULTI_LIMITS.valueLengthMax} letters, digits or . _ -`;
  if (typeof text !== 'string') return `A command is text: ${how}.`;
  if (text.length > MULTI_LIMITS.commandLengthMax) return `A command has at most ${MULTI_LIMITS.commandLengthMax} characters: ${how}.`;
  if (text === NO_OP) return allowNoOp ? { op: 'noop' } : `no-op is what a leader puts in a hole; a client sends a real command: ${how}.`;
  const words = text.split(' ');
  if (words[0] === 'set' && words.length === 3 && KEY.test(words[1]!) && VALUE.test(words[2]!)) return { op: 'set', key: words[1]!, value: words[2]! };
  if (words[0] === 'get' && words.length === 2 && KEY.test(words[1]!)) return { op: 'get', key: words[1]! };
  return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not a command this key-value store runs: ${how}.`;
}

/** Runs one chosen command on a store; returns what it printed (`x = 3`, `x = None`, or ''). */
export function runKvCommand(kv: Record<string, string>, text: string): string {
  const c = parseKvCommand(text, true);
  if (typeof c === 'string') return ''; // the monitor's validity check reports a command nobody proposed
  switch (c.op) {
    case 'set':
      kv[c.key] = c.value;
      return `${c.key} = ${c.value}`;
    case 'get':
      return `${c.key} = ${kv[c.key] ?? 'None'}`;
    case 'noop':
      return '';
  }
}
