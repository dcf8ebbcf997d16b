/**
 * Opens the replay tools on demand: the replay cursor, its panel and the sequence
 * diagram are loaded only when someone opens them (or the instructor presents), so a
 * student's phone does not download them up front.
 */
import { onDestroy, type Component } from 'svelte';
import type { RoomEvent, RoomState } from '@toy-paxos/shared';
import type { Replay } from './replay.svelte';
import { EntryLink } from './entry-link.svelte';

export interface ReplayTools {
  readonly replay: Replay;
  // Its panel scrolls itself into view with the focus on it, when opened by hand.
  readonly Panel: Component<any, { reveal(): void }>;
  readonly Diagram: Component<any>;
}

export class ReplayHost {
  tools = $state.raw<ReplayTools | null>(null);
  loading = $state(false);
  problem = $state<string | null>(null);
  /** The entry picked in the log or the sequence diagram, which the other shows: it outlives the replay's closing. */
  readonly link = new EntryLink();
  #opening: Promise<ReplayTools | null> | null = null;

  /** The state at the replay cursor, or null when live (or closed). */
  get state(): RoomState | null {
    return this.tools?.replay.state ?? null;
  }

  get cursor(): number | null {
    return this.tools?.replay.cursor ?? null;
  }

  open(initial: RoomState, events: readonly RoomEvent[]): Promise<ReplayTools | null> {
    if (this.tools) return Promise.resolve(this.tools);
    this.loading = true;
    this.#opening ??= Promise.all([
      import('./replay.svelte'),
      import('../components/ReplayPanel.svelte'),
      import('../components/SequenceDiagram.svelte'),
    ]).then(
      ([r, panel, diagram]) => {
        this.tools = { replay: new r.Replay(initial, events), Panel: panel.default, Diagram: diagram.default };
        this.loading = false;
        return this.tools;
      },
      () => {
        this.loading = false;
        this.problem = 'The replay tools could not be loaded: check your connection and try again.';
        this.#opening = null;
        return null;
      },
    );
    return this.#opening;
  }

  close(): void {
    this.tools?.replay.destroy();
    this.tools = null;
    this.#opening = null;
  }
}

/** A replay host that closes with the component that creates it. */
export function useReplayHost(): ReplayHost {
  const host = new ReplayHost();
  onDestroy(() => host.close());
  return host;
}
