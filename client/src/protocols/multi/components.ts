/** Multi-Paxos's components, for the pages' protocol map (../index.ts): loaded with the first Multi-Paxos room. */
import type { ProtocolComponents } from '../types';
import ClientCommands from './ClientCommands.svelte';
import MultiNodeCard from './MultiNodeCard.svelte';
import SlotGrid from './SlotGrid.svelte';
import SlotPicker from './SlotPicker.svelte';
import Start from './Start.svelte';

export const multiComponents: ProtocolComponents = { nodeCard: MultiNodeCard, logPanel: SlotGrid, start: Start, acceptTarget: SlotPicker, moreActions: ClientCommands };
