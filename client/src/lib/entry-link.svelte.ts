/**
 * The log and the sequence diagram are two views of one history: an entry picked in one
 * (clicked, or Enter pressed on it) is shown in the other, its arrows highlighted in the
 * diagram, or the entry an arrow belongs to selected in the log, each brought into view.
 */
import { invariant } from '@toy-paxos/shared';

export interface EntryPick {
  /** The entries picked, by seq: one, or a run the projector's log groups into one row. */
  readonly first: number;
  readonly last: number;
  /** The view it was picked in: the other one brings it into view. */
  readonly by: 'log' | 'diagram';
}

export class EntryLink {
  #picked = $state.raw<EntryPick | null>(null);

  /** The latest pick: a new object each time, so that picking the same entry again brings it into view again. */
  get picked(): EntryPick | null {
    return this.#picked;
  }

  pick(first: number, last: number, by: EntryPick['by']): void {
    invariant(Number.isInteger(first) && Number.isInteger(last) && first <= last, `a pick runs from one entry to a later one (${first} to ${last})`);
    this.#picked = { first, last, by };
  }
}
