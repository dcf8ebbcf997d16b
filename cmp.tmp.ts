import { apply, cloneRoomState, decide, DEFAULT_SETTINGS, initialRoomState, Rng } from '@toy-paxos/shared';
import { buildLog } from './tests/bench/log-fixture';
const { initial, events } = buildLog(100000, 1);
const cnt = (k: string) => { const s = cloneRoomState(initial); let max = 0; for (const e of events) { apply(s, e); max = Math.max(max, s.inFlight.length); } return max; };
console.log('max in flight', cnt('x'));
for (let i = 0; i < 3; i++) { const t = performance.now(); const s = cloneRoomState(initial); for (const e of events) apply(s, e); console.log('fold ms', (performance.now() - t).toFixed(1)); }
