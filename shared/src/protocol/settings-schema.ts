/** The zod schema of a settings change, shared by the socket protocol and session files. */
import { z } from 'zod';
import { QUORUM_MAX } from '../settings';

const quorum = z.union([z.literal('majority'), z.number().int().min(1).max(QUORUM_MAX)]);

/** A change of settings: any subset of them, rule modes one by one. */
export const settingsSchema = z.strictObject({
  q1: quorum.optional(),
  q2: quorum.optional(),
  ballots: z.enum(['plain', 'unique']).optional(),
  delivery: z.enum(['instant', 'queued']).optional(),
  acceptorMode: z.enum(['rules', 'students']).optional(),
  learners: z.enum(['everyone', 'proposer']).optional(),
  protocol: z.enum(['single', 'multi']).optional(),
  rules: z
    .strictObject({
      ignoreAcceptedValue: z.boolean().optional(),
      acceptWithoutQuorum: z.boolean().optional(),
      forgetOnCrash: z.boolean().optional(),
      breakPromises: z.boolean().optional(),
      reconfigureMidRound: z.boolean().optional(),
      skipRepropose: z.boolean().optional(),
    })
    .optional(),
});

