/**
 * The explorer's answer in words, for the pages and the terminal: a summary ("From here,
 * only Apple can be chosen (12,408 states searched, all of them).") and each schedule as
 * steps a person can follow, with the scenario line that plays it.
 */
import { decide } from '../decide';
import { byMessageKind } from '../protocols/kinds';
import { fold, nameOf, type RoomCommand, type RoomState } from '../room';
import type { SafetyRule } from '../monitor';
import type { ChosenOutcome, ExploreResult } from './types';

/** One step of a schedule: in words, and as a line of a scenario script. */
export interface ScheduleStep {
  readonly command: RoomCommand;
  readonly words: string;
  readonly line: string;
}

const RULE_WORDS: Record<SafetyRule, string> = {
  agreement: 'two different values can be chosen (agreement)',
  validity: 'a value no one proposed can be chosen (validity)',
  learning: 'a node can learn a value that was not chosen (learning)',
  stability: "a node's learned value can change (stability)",
  prefix: "two nodes' applied sequences can disagree (prefix)",
};

const KIND = byMessageKind<string>({
  prepare: 'promise request',
  accept: 'accept request',
  promise: 'promise',
  accepted: 'acceptance',
  notice: 'accepted notice',
  reject: 'refusal',
});

/** 12408 as "12,408". */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function steps(n: number): string {
  return n === 1 ? '1 step' : `${n} steps`;
}

/** Why the search stopped before it searched everything, or null when it did not. */
function cutShort(r: ExploreResult): string | null {
  if (r.hit.cancelled) return 'it was stopped';
  if (r.hit.found) return 'it stopped at the first violation';
  if (r.hit.time) return 'its time ran out';
  if (r.hit.states) return `it stopped at ${formatCount(r.bounds.statesMax)} states`;
  if (r.hit.depth) return `it stopped ${r.bounds.depthMax} steps deep, a request to each acceptor counting as one`;
  return null;
}

/** The bounds a search cut short searched within: "12 steps / 3,000,000 states". */
function boundsSearched(r: ExploreResult): string {
  const b = r.bounds;
  const time = r.hit.time ? ` / ${formatCount(Math.round(b.timeMsMax / 1000))} s` : '';
  return `${b.depthMax} steps / ${formatCount(b.statesMax)} states${time}`;
}

/** The way to a value in words: the shortest, or one found by the search for that value alone. */
function way(r: ExploreResult, c: ChosenOutcome): string {
  if (c.shortest) return `the shortest way is ${steps(c.steps)}`;
  return `a way of ${steps(c.steps)}, found by searching for ${c.value} alone (a shorter way, of at least ${steps(r.depth + 1)}, may exist)`;
}

/**
 * The answer in sentences: safety first, then the values that can be chosen and the shortest
 * way to each. A whole search gives verdicts ("only Apple can be chosen"); one cut short by a
 * bound says so first, then what it found, and for each value it did not find, within which
 * bounds it looked: not finding a value is less than its being impossible.
 */
export function summarizeExploration(r: ExploreResult): string[] {
  const out: string[] = [];
  const short = cutShort(r);
  const searched = `${formatCount(r.states)} ${r.states === 1 ? 'state' : 'states'} searched, ${short ? `not all of them: ${short}` : 'all of them'}`;
  if (r.alreadyBroken.length) out.push(`Safety is already broken here (${list(r.alreadyBroken)}).`);
  for (const v of r.violations) out.push(`Safety can be broken from here: ${RULE_WORDS[v.rule]}. The shortest way is ${steps(v.steps)}.`);
  const already = r.chosen.filter((c) => c.steps === 0).map((c) => c.value);
  const later = r.chosen.filter((c) => c.steps > 0);
  const values = r.chosen.map((c) => c.value);
  const alreadyLine = `${list(already)} ${already.length === 1 ? 'is' : 'are'} already chosen.`;
  if (short) {
    out.push(`The search was cut short (${searched}), so here is what it found, value by value.`);
    if (already.length) out.push(alreadyLine);
    for (const c of later) out.push(`${c.value} can be chosen: ${way(r, c)}.`);
    const stopped = r.hit.cancelled ? 'the search was stopped' : r.hit.found ? 'the search stopped at the first violation' : 'the search was cut short';
    for (const v of r.values) if (!values.includes(v)) out.push(`${v}: not found within ${boundsSearched(r)} — ${stopped}, so it may still be possible.`);
    return out;
  }
  if (values.length === 0) out.push(`From here, no value can be chosen (${searched}).`);
  else if (values.length === 1 && already.length === 1) out.push(`${values[0]} is already chosen, and from here no other value can be (${searched}).`);
  else if (values.length === 1) out.push(`From here, only ${values[0]} can be chosen (${searched}).`);
  else out.push(`From here, ${list(values)} can each be chosen (${searched}).`);
  if (already.length && values.length > 1) out.push(alreadyLine);
  for (const c of later) out.push(`${c.value} can ${already.length || later.length > 1 ? 'be' : 'still be'} chosen: ${way(r, c)}.`);
  return out;
}

/** What the search tried, in one sentence, so that "only Apple" is read with its scope. */
export function explorationScope(r: ExploreResult): string {
  const b = r.bounds;
  const proposals = [list(b.values), ...Object.entries(b.valuesOf).map(([id, vs]) => `${list(vs)} for ${id}`)];
  const parts = [
    `every delivery, loss and copy of a message (at most ${b.copiesMax} ${b.copiesMax === 1 ? 'copy' : 'copies'} of one in flight or in one inbox)`,
    `new proposals by ${list(b.proposers)} with ${proposals.join('; ')}, up to ballot round ${b.roundMax}`,
    ...(b.crashes ? ['crashes and recoveries'] : []),
    ...(b.cuts ? ['cut and healed links'] : []),
    ...(b.joiners.length ? [`${list(b.joiners)} joining`] : []),
  ];
  return `The search tried ${parts.join('; ')}.`;
}

/** The steps of `commands` played from `start`, each in words and as a scenario line. */
export function describeSchedule(start: RoomState, commands: readonly RoomCommand[]): ScheduleStep[] {
  const out: ScheduleStep[] = [];
  let s = start;
  for (const command of commands) {
    out.push({ command, ...describeCommand(s, command) });
    const d = decide(s, command);
    if (!d.ok) break;
    s = fold(s, d.events);
  }
  return out;
}

function describeCommand(s: RoomState, c: RoomCommand): { words: string; line: string } {
  const name = (id: string) => nameOf(s, id);
  const to = (t: readonly string[] | 'all') => (t === 'all' ? 'every acceptor' : list(t.map(name)));
  const message = (id: number) => {
    const m = s.inFlight.find((x) => x.id === id) ?? s.held[id];
    return m ? `${name(m.from)}'s ${KIND[m.kind]} to ${name(m.to)}` : `message #${id}`;
  };
  switch (c.type) {
    case 'propose':
      return { words: `${name(c.node)} starts a new proposal${c.value ? ` with ${c.value}` : ''}.`, line: `propose ${c.node}${c.value ? ` ${c.value}` : ''}` };
    case 'promiseRequest':
      return { words: `${name(c.from)} sends promise requests to ${to(c.to)}.`, line: `promise ${c.from} -> ${c.to === 'all' ? 'all' : c.to.join(' ')}` };
    case 'acceptRequest':
      return { words: `${name(c.from)} sends accept requests to ${to(c.to)}.`, line: `accept ${c.from} -> ${c.to === 'all' ? 'all' : c.to.join(' ')}` };
    case 'deliver':
      return { words: `The network delivers ${message(c.id)}.`, line: `deliver #${c.id}` };
    case 'drop':
      return { words: `The network loses ${message(c.id)}.`, line: `drop #${c.id}` };
    case 'duplicate':
      return { words: `The network duplicates ${message(c.id)}.`, line: `duplicate #${c.id}` };
    case 'answer':
      return { words: `${name(c.node)} answers ${c.yes ? 'yes' : 'no'} to ${message(c.id)}.`, line: `answer ${c.node} #${c.id} ${c.yes ? 'yes' : 'no'}` };
    case 'crash':
      return { words: `${name(c.node)} crashes.`, line: `crash ${c.node}` };
    case 'recover':
      return { words: `${name(c.node)} recovers.`, line: `recover ${c.node}` };
    case 'cut':
      return { words: `The link between ${name(c.a)} and ${name(c.b)} is cut.`, line: `cut ${c.a} ${c.b}` };
    case 'heal':
      return { words: `The link between ${name(c.a)} and ${name(c.b)} is healed.`, line: `heal ${c.a} ${c.b}` };
    case 'addNode':
      return { words: `${c.name ?? c.node} joins.`, line: `nodes ${c.node}` };
    default:
      return { words: c.type, line: `# ${c.type}` };
  }
}
