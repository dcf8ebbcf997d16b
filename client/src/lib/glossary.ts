/** The rules' names the log cites, loaded with the first entry that cites one: a phone's first download does not carry them. */
export { PAXOS_TERMS, termsIn } from '@toy-paxos/shared';
