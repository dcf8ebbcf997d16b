/**
 * The explorer's options on the command line (--explore, --depth, --states, --rounds,
 * --values, --seconds, --no-crashes, --cuts), read the same way by `npm run scenario` and
 * `npm run check`.
 */
import { closestWord, EXPLORE_DEFAULTS, type ExploreBounds } from '@toy-paxos/shared';

/** Every option that takes a search bound, as written on the command line. */
export const EXPLORE_OPTIONS = ['--explore', '--depth', '--states', '--rounds', '--values', '--seconds', '--no-crashes', '--cuts'] as const;

/** The sentence for an option no command knows, with the one it most likely misspells. */
export function unknownOption(arg: string, known: readonly string[]): string {
  const meant = closestWord(arg, known);
  return `There is no option ${arg}${meant ? `: did you mean ${meant}?` : '.'}`;
}

/**
 * Reads --explore and its options out of `argv` (with `always`, the options alone: the
 * search is what the command does); an error message when one is wrong. The rest of the
 * arguments are left for the command.
 */
export function exploreOptions(argv: readonly string[], always = false): { rest: string[]; bounds: ExploreBounds | null } | string {
  const rest: string[] = [];
  let on = always;
  const bounds: { -readonly [K in keyof ExploreBounds]: ExploreBounds[K] } = { timeMsMax: 60_000 };
  const numbers: Record<string, 'depthMax' | 'statesMax' | 'roundMax' | 'timeMsMax'> = { '--depth': 'depthMax', '--states': 'statesMax', '--rounds': 'roundMax', '--seconds': 'timeMsMax' };
  let options = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--explore') on = true;
    else if (a === '--no-crashes') (bounds.crashes = false), options++;
    else if (a === '--cuts') (bounds.cuts = true), options++;
    else if (a === '--values') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) return '--values needs a list of values, such as --values Apple,Mango';
      bounds.values = v.split(',').filter(Boolean);
      const most = EXPLORE_DEFAULTS.valuesMax;
      if (bounds.values.length === 0 || bounds.values.length > most) return `--values takes from 1 to ${most} values, not ${bounds.values.length}: such as --values Apple,Mango`;
      // The shortest ways print as scenario lines, where a value is one word with no #.
      const bad = bounds.values.find((x) => /[\s#]/.test(x));
      if (bad !== undefined) return `--values: "${bad}" cannot be a value in a scenario line: use words with no spaces and no #`;
      options++;
    } else if (a in numbers) {
      const v = argv[++i];
      const n = Number(v);
      if (v === undefined || !/^\d+$/.test(v) || n < 1) return `${a} needs a whole number of at least 1, such as ${a} 3`;
      bounds[numbers[a]!] = a === '--seconds' ? n * 1000 : n;
      options++;
    } else rest.push(a);
  }
  if (!on && options) return 'the search options (--depth, --states, --rounds, --values, --seconds, --no-crashes, --cuts) go with --explore';
  return { rest, bounds: on ? bounds : null };
}

