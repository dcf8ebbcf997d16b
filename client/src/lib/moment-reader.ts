/**
 * The core's reader of key moments, for a student's page. Loaded just after the page, so that
 * a phone's first download holds neither it nor the annotation code it reads with.
 */
export { MomentReader, teaches } from '@toy-paxos/shared';
