/**
 * Zod schemas for Multi-Paxos: the payloads of the commands a client will send to lead, to
 * submit a client command and to send one slot, and the events and messages a session file
 * may hold. `CLIENT_EVENTS` (shared/src/protocol/schemas.ts) serves the command payloads
 * (see docs/protocol/commands.md, "Multi-Paxos").
 */
import { z } from 'zod';
import { parseKvCommand } from './kv';
import { MULTI_LIMITS } from './types';
import { reservedId } from '../text';

const slot = z.number().int().min(1).max(MULTI_LIMITS.slotsMax);
const nodeId = z.string().min(1).max(64).refine((id) => !reservedId(id), 'not a node id of this room');

/** A client command as typed: spaces trimmed and collapsed, then `set KEY VALUE` or `get KEY`. */
export const kvCommandSchema = z
  .string()
  .max(MULTI_LIMITS.commandLengthMax * 4)
  .transform((raw, ctx) => {
    const text = raw.replace(/[ \t]+/g, ' ').trim();
    const parsed = parseKvCommand(text);
    if (typeof parsed !== 'string') return text;
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  });

/** Payloads of the Multi-Paxos node commands, which `CLIENT_EVENTS` serves. */
export const MULTI_COMMAND_PAYLOADS = {
  /** Start leading with a new ballot (`lead`). */
  'node:lead': z.strictObject({ node: nodeId.optional() }),
  /** A client command for the leader (`submit`). */
  'node:submit': z.strictObject({ node: nodeId.optional(), command: kvCommandSchema }),
  /** `node:accept` with one slot (Multi-Paxos rooms only). */
  'node:accept': z.strictObject({ node: nodeId.optional(), to: z.union([z.literal('all'), z.array(nodeId).min(1)]), slot: slot.optional() }),
} as const;

/** The building blocks a session file's schema shares with these. */
export interface FileAtoms {
  readonly id: z.ZodType;
  readonly msgId: z.ZodType;
  readonly ballot: z.ZodType;
  readonly lostReason: z.ZodType;
}

/** A command as a file holds it: exactly as the core keeps it (no-op only where a leader may put it). */
function fileCommand(allowNoOp: boolean) {
  return z.string().check((ctx) => {
    const parsed = parseKvCommand(ctx.value, allowNoOp);
    if (typeof parsed === 'string') ctx.issues.push({ code: 'custom', message: parsed, input: ctx.value });
  });
}

/** The Multi-Paxos requests and replies a session file may hold. */
export function multiMessageSchemas({ id, msgId, ballot }: FileAtoms) {
  const value = fileCommand(true);
  const base = { id: msgId, from: id, to: id, ballot, slot };
  const request = z.discriminatedUnion('kind', [
    z.strictObject({ ...base, kind: z.literal('multiPrepare') }),
    z.strictObject({ ...base, kind: z.literal('multiAccept'), value }),
  ]);
  const reply = z.discriminatedUnion('kind', [
    z.strictObject({ ...base, kind: z.literal('multiPromise'), accepted: z.array(z.strictObject({ slot, ballot, value })).max(MULTI_LIMITS.slotsMax) }),
    z.strictObject({ ...base, kind: z.literal('multiAccepted'), value }),
    z.strictObject({ ...base, kind: z.literal('multiReject'), request: z.enum(['prepare', 'accept']), promised: ballot, value: value.optional() }),
  ]);
  return { request, reply };
}

/** The Multi-Paxos events a session file may hold. */
export function multiEventSchemas(atoms: FileAtoms) {
  const { id, ballot, lostReason } = atoms;
  const { request, reply } = multiMessageSchemas(atoms);
  return [
    z.strictObject({ type: z.literal('leaderStarted'), node: id, ballot, slot }),
    z.strictObject({ type: z.literal('commandSubmitted'), node: id, slot, command: fileCommand(false) }),
    z.strictObject({ type: z.literal('multiExchanged'), request, reply }),
    z.strictObject({ type: z.literal('multiSent'), message: request }),
    z.strictObject({ type: z.literal('multiLost'), message: request, reason: lostReason }),
  ] as const;
}
