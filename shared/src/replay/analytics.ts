/**
 * Class analytics from a room's log: each checkpoint's share of right answers and most
 * common wrong one, the rounds (values chosen, rounds that chose nothing), and each
 * student's participation and score. Exported as Markdown and CSV.
 */
import { checkpointResult, type CheckpointResult, type CheckpointState } from '../checkpoint-state';
import { apply, cloneRoomState, type RoomEvent, type RoomState } from '../room';

export interface RoundSummary {
  readonly round: number;
  readonly proposals: number;
  /** The distinct values chosen in it (two or more is a safety violation). */
  readonly chosen: readonly string[];
}

export interface StudentScore {
  readonly node: string;
  readonly name: string;
  /** Revealed checkpoints this student answered. */
  readonly answered: number;
  readonly right: number;
}

export interface ClassAnalytics {
  readonly checkpoints: readonly (CheckpointResult & { readonly options: readonly string[] })[];
  readonly rounds: readonly RoundSummary[];
  /** Rounds with a proposal and no value chosen: livelocked, or cut short. */
  readonly roundsWithoutChoice: number;
  readonly students: readonly StudentScore[];
  /** Every answer to a revealed checkpoint: checkpoint id, node, option. */
  readonly answers: readonly { readonly checkpoint: number; readonly node: string; readonly option: number }[];
  /** Actions the rules refused, by refusal code, most frequent first (the server counts them: they are not in the log). */
  readonly refusals: readonly { readonly code: string; readonly count: number }[];
}

/**
 * Whether checkpoint `c` was asked again, live, at its own moment: a prepared lesson's
 * questions are in its log already, unanswered, and the instructor asks each of them of the
 * class while presenting that moment. The one the class answered counts; the other does not.
 */
function askedAgain(c: CheckpointState, all: readonly CheckpointState[]): boolean {
  return all.some((d) => d.id > c.id && d.at !== undefined && (d.at === c.seq || d.at === c.seq - 1) && JSON.stringify(d.question.spec) === JSON.stringify(c.question.spec));
}

/** Folds `events` from `initial` once and gathers the analytics. */
export function classAnalytics(initial: RoomState, events: readonly RoomEvent[], refusals: Readonly<Record<string, number>> = {}): ClassAnalytics {
  const s = cloneRoomState(initial);
  const rounds: RoundSummary[] = [];
  let proposals = 0;
  // Every name a node had, the last one kept: a student who left still has a score.
  const names = new Map<string, string>();
  const closeRound = () => rounds.push({ round: s.round, proposals, chosen: [...new Set(s.monitor.chosen.map((c) => c.value))] });
  for (const e of events) {
    if (e.type === 'roundStarted') {
      closeRound();
      proposals = 0;
    }
    apply(s, e);
    if (e.type === 'proposalStarted') proposals++;
    if (e.type === 'nodeAdded' || e.type === 'nodeRenamed') names.set(e.node, e.name);
  }
  closeRound();
  const asked = s.checkpoints.filter((c) => !askedAgain(c, s.checkpoints));
  const revealed = asked.filter((c) => c.status === 'revealed');
  const answers = revealed.flatMap((c) => Object.entries(c.answers).map(([node, option]) => ({ checkpoint: c.id, node, option })));
  const students = [...names].map(([node, name]) => {
    const mine = answers.filter((a) => a.node === node);
    const right = mine.filter((a) => revealed.find((c) => c.id === a.checkpoint)!.answer === a.option).length;
    return { node, name, answered: mine.length, right };
  });
  return {
    checkpoints: asked.map((c) => ({ ...checkpointResult(c), options: c.question.options })),
    rounds,
    roundsWithoutChoice: rounds.filter((r) => r.proposals > 0 && r.chosen.length === 0).length,
    students,
    answers,
    refusals: Object.entries(refusals)
      .filter(([, count]) => count > 0)
      .map(([code, count]) => ({ code, count }))
      .sort((x, y) => y.count - x.count || (x.code < y.code ? -1 : 1)),
  };
}

/** What a student sees of the analytics: every question's results, and only their own answers and score. */
export function analyticsFor(a: ClassAnalytics, node: string | null): ClassAnalytics {
  return { ...a, students: a.students.filter((s) => s.node === node), answers: a.answers.filter((x) => x.node === node), refusals: [] };
}

const percent = (share: number | null) => (share === null ? '-' : `${Math.round(share * 100)}%`);

/** Markdown for the instructor: checkpoints, rounds and students, as tables. */
export function analyticsMarkdown(a: ClassAnalytics, title: string): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out = [`# ${cell(title) || 'Class analytics'}`, '', '## Checkpoints', ''];
  if (a.checkpoints.length === 0) out.push('No question was asked.');
  else {
    out.push('| # | Question | Answers | Right answer | Right | Most common wrong answer |', '| --- | --- | --- | --- | --- | --- |');
    for (const c of a.checkpoints) {
      const right = c.right === null ? 'not revealed' : cell(c.options[c.right]!);
      const wrong = c.commonWrong === null ? '-' : `${cell(c.options[c.commonWrong]!)} (${c.counts[c.commonWrong]})`;
      out.push(`| ${c.id} | ${cell(c.prompt)} | ${c.answered} | ${right} | ${percent(c.share)} | ${wrong} |`);
    }
  }
  out.push('', '## Rounds', '', '| Round | Proposals | Chosen |', '| --- | --- | --- |');
  for (const r of a.rounds) out.push(`| ${r.round} | ${r.proposals} | ${r.chosen.length ? r.chosen.map(cell).join(', ') : 'nothing'} |`);
  out.push('', `Rounds with a proposal and no value chosen: ${a.roundsWithoutChoice}.`, '', '## Refused actions', '');
  if (a.refusals.length === 0) out.push('No action was refused.');
  else {
    out.push('| Rule | Refused |', '| --- | --- |');
    for (const r of a.refusals) out.push(`| ${cell(r.code)} | ${r.count} |`);
  }
  out.push('', '## Students', '');
  if (a.students.length === 0) out.push('Nobody joined.');
  else {
    out.push('| Student | Answered | Right |', '| --- | --- | --- |');
    for (const st of a.students) out.push(`| ${cell(st.name)} | ${st.answered} | ${st.right} |`);
  }
  return `${out.join('\n')}\n`;
}

/** CSV, one row per answer to a revealed checkpoint: for a spreadsheet. */
export function analyticsCsv(a: ClassAnalytics): string {
  const field = (v: string | number) => {
    const text = String(v);
    // Quoted when needed; a leading =, +, - or @ is kept from being read as a formula.
    const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
    return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const names = new Map(a.students.map((s) => [s.node, s.name]));
  const rows = [['checkpoint', 'question', 'student', 'answer', 'right answer', 'right'].join(',')];
  for (const x of a.answers) {
    const c = a.checkpoints.find((k) => k.id === x.checkpoint)!;
    rows.push([x.checkpoint, c.prompt, names.get(x.node) ?? x.node, c.options[x.option]!, c.options[c.right!]!, x.option === c.right ? 'yes' : 'no'].map(field).join(','));
  }
  return `${rows.join('\n')}\n`;
}
