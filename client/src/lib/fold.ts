/**
 * What a room's page folds the server's records with: the shared core's fold (a room's
 * state from its events, Multi-Paxos included) and the page's words for a switch of
 * timeline and for a name a join did not give as asked. Loaded as a session starts to connect, beside the socket's handshake, not with
 * the first page: the room's page shows "Connecting to room…" and the join page its form
 * without it. session.svelte.ts loads it before it joins or resumes, so that every record
 * and every change of presence finds it here.
 */
export { apply, applyPresenceChange, cloneRoomState, foldedSummary, initialRoomState } from '@toy-paxos/shared';
export { switchNote } from './timeline-note';
export { joinNameNote } from './name-note';
