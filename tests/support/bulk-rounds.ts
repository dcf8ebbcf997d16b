/**
 * A class under way with queued delivery, the instructor delivering the messages in bulk: a
 * proposal by node n1 that every node promises and accepts, and every learner hears of. Each
 * round's last deliver-all carries the notices of every acceptor to every learner (1,521 of
 * them in a class of 40), the longest entry a class makes.
 */
import type { Ack } from '@toy-paxos/shared';

/** One round, as the instructor's commands. */
export const BULK_ROUND = [
  ['node:propose', { node: 'n1', value: 'Mango' }],
  ['node:promise', { node: 'n1', to: 'all' }],
  ['net:deliverAll', {}],
  ['net:deliverAll', {}],
  ['node:accept', { node: 'n1', to: 'all' }],
  ['net:deliverAll', {}],
  ['net:deliverAll', {}],
] as const;

/**
 * Plays `rounds` rounds (a new round before each but the first) through `emit`, an
 * instructor's; waits and sends again when the server's limit of actions a second is met,
 * and throws on any other refusal.
 */
export async function playBulkRounds(emit: (event: string, payload: object) => Promise<Ack>, rounds: number): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    const commands = round > 1 ? [['room:round', {}] as const, ...BULK_ROUND] : BULK_ROUND;
    for (const [event, payload] of commands) {
      let ack = await emit(event, payload);
      while (!ack.ok && ack.error.code === 'rate-limited') {
        await new Promise((resolve) => setTimeout(resolve, 250));
        ack = await emit(event, payload);
      }
      if (!ack.ok) throw new Error(`${event} refused: ${JSON.stringify(ack)}`);
    }
  }
}
