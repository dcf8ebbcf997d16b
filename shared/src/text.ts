/**
 * Text a person types (node names, observer names, proposed values), made one way
 * everywhere: the socket schemas, session files and the core all call these, so a name
 * the server accepts is one the core accepts, and two names a person cannot tell apart
 * are the same name.
 */

/**
 * Characters that show as nothing: zero-width spaces and joiners, word joiner and the
 * invisible operators, the byte-order mark, a joiner outside an emoji, soft hyphen, combining grapheme joiner, the
 * Mongolian vowel separator, Hangul fillers and variation selectors on their own.
 */
const INVISIBLE = /[\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180E\u200B\u2060-\u2064\u2800\u3164\uFEFF\uFFA0]/u;

/**
 * Every other character Unicode says a font shows as nothing, and every format character
 * (tag characters, variation selectors, interlinear annotation marks): "Ana" followed by
 * one looks exactly like "Ana".
 */
const DEFAULT_IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/u;

/**
 * Where such characters do mean something, taken out before looking for them: an emoji or
 * a keycap in text or emoji style (❤️, 1️⃣), an ideograph's variant (葛󠄀), a subdivision
 * flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿), and the joiners, which have rules of their own below.
 */
const MEANINGFUL_IGNORABLES = /(?<=\p{Extended_Pictographic}|[#*0-9])[\uFE0E\uFE0F]|(?<=\p{Ideographic})[\u{E0100}-\u{E01EF}]|(?<=\u{1F3F4})[\u{E0020}-\u{E007E}]+\u{E007F}|[\u200C\u200D]/gu;

/** Half of a character: a surrogate with no partner, which shows as a replacement box. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A character that shows: a letter, digit, punctuation or symbol (a text of only marks or blanks shows nothing). */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * A zero-width non-joiner is part of how Persian, Kurdish and Indic words are spelled
 * (می‌خواهم), between two letters; anywhere else it only hides.
 */
const LONE_NON_JOINER = /(?<![\p{L}\p{M}])\u200C|\u200C(?![\p{L}\p{M}])/u;

/** A zero-width joiner is invisible too, except between two emoji, where it makes one (👩‍🚀). */
const LONE_JOINER = /(?<!\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?)\u200D|\u200D(?!\p{Extended_Pictographic})/u;

/** Bidirectional controls: they reorder what follows, so "\u202EedoN" shows as "Node". */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Control characters (tabs and line breaks are whitespace, handled before). */
const CONTROL = /\p{Cc}/u;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The most UTF-16 code units one user-perceived character may take, as this checks it: a
 * family emoji with a skin tone on each person is 19. A text longer than `max` times this
 * cannot have `max` characters, so it is refused before any Unicode work, which costs about
 * 10 µs a character: the cost of a check is bounded by its limit, not by what was sent.
 */
export const CODE_UNITS_PER_CHAR_MAX = 32;

/** Whether `text` has more code units than `max` characters can take: O(1), before any Unicode work. */
export function rawTooLong(text: string, max: number): boolean {
  return text.length > max * CODE_UNITS_PER_CHAR_MAX;
}

/** Printable ASCII only: one code unit is one character, and no segmenting is needed. */
const PLAIN_ASCII = /^[\x20-\x7E]*$/;

/**
 * User-perceived characters (grapheme clusters) of `text`, walked once up to `stopAt` of
 * them (a limit plus one is enough to refuse): how many, and the code units of the longest
 * (a chain of 255 joined emoji is one character of 767). A long text costs no more than a
 * short one over the same limit.
 */
function graphemeWalk(text: string, stopAt: number): { count: number; longest: number } {
  // Past `stopAt` characters' worth of code units, the text is too long whatever it holds.
  if (text.length > stopAt * CODE_UNITS_PER_CHAR_MAX) return { count: stopAt, longest: CODE_UNITS_PER_CHAR_MAX + 1 };
  if (PLAIN_ASCII.test(text)) return { count: Math.min(text.length, stopAt), longest: text.length ? 1 : 0 };
  let count = 0;
  let longest = 0;
  for (const { segment } of graphemes.segment(text)) {
    longest = Math.max(longest, segment.length);
    if (++count >= stopAt) break;
  }
  return { count, longest };
}

/** Characters as a person counts them, so an emoji is one; counting stops at `stopAt`. */
export function charCount(text: string, stopAt = Infinity): number {
  return graphemeWalk(text, stopAt).count;
}

/** Whether `text`, trimmed, has more than `max` characters as people count them: refused before any Unicode work when its code units say so. */
export function tooManyChars(text: string, max: number): boolean {
  return rawTooLong(text, max) || charCount(text.trim(), max + 1) > max;
}

/** The first `max` user-perceived characters of `text`, never half an emoji. */
export function firstChars(text: string, max: number): string {
  if (PLAIN_ASCII.test(text)) return text.slice(0, max);
  let out = '';
  let n = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (n++ === max) break;
    out += segment;
  }
  return out;
}

/** More marks on one character than any script stacks (Vietnamese puts two, Tibetan a few): "Zalgo" text that smears over its neighbours. */
const STACKED_MARKS = /\p{M}{9}/u;

/** `text` in Unicode NFC with its whitespace trimmed and every run of whitespace (any kind) made one space. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

/** What a problem is said of: "a name", "a value". */
export type TextNoun = 'a name' | 'a value' | 'a timeline name' | 'a question' | 'an answer' | 'a title';

/** Why `text` cannot be shown as it is (invisible characters, direction controls), or null. */
function hiddenCharacterProblem(text: string, noun: TextNoun): string | null {
  const hidden = INVISIBLE.exec(text) ?? LONE_JOINER.exec(text) ?? LONE_NON_JOINER.exec(text) ?? CONTROL.exec(text);
  if (hidden) return `${noun} cannot contain an invisible character (${codePoint(hidden[0])}): type only characters that show`;
  const bidi = BIDI.exec(text);
  if (bidi) return `${noun} cannot contain a text-direction control (${codePoint(bidi[0])}), which makes text look like something else`;
  const ignorable = DEFAULT_IGNORABLE.exec(text.replace(MEANINGFUL_IGNORABLES, ''));
  if (ignorable) return `${noun} cannot contain an invisible character (${codePoint(ignorable[0])}): type only characters that show`;
  const broken = LONE_SURROGATE.exec(text);
  if (broken) return `${noun} cannot contain half a character (${codePoint(broken[0])}, a lone surrogate): type it again`;
  return null;
}

/**
 * Why `text` is not a valid name or value of 1 to `max` characters, or null; a phrase
 * such as "a value has at most 24 characters", for the schemas and the core alike.
 */
export function textProblem(text: string, max: number, noun: TextNoun): string | null {
  if (rawTooLong(text, max)) return `${noun} has at most ${max} characters`;
  const hidden = hiddenCharacterProblem(text, noun);
  if (hidden) return hidden;
  const { count, longest } = graphemeWalk(text.trim(), max + 1);
  if (count === 0) return `${noun} needs at least 1 character`;
  if (count > max) return `${noun} has at most ${max} characters`;
  if (!VISIBLE.test(text)) return `${noun} needs at least one letter, digit or symbol that shows`;
  // What would not show as a line of ordinary characters: marks stacked high, a character built of a long chain.
  if (STACKED_MARKS.test(text)) return `${noun} cannot stack more than 8 accents or marks on one character`;
  if (longest > CODE_UNITS_PER_CHAR_MAX) return `${noun} cannot have a character made of a chain longer than ${CODE_UNITS_PER_CHAR_MAX} code units (such as dozens of joined emoji)`;
  return null;
}

/**
 * A name or value as typed, made what is kept: refused (with the reason) when it hides
 * characters or does not have 1 to `max` characters; else NFC, trimmed, whitespace
 * collapsed. Hidden characters are looked for before trimming, since JavaScript trims a
 * byte-order mark as if it were a space.
 */
export function cleanText(raw: string, max: number, noun: TextNoun): { ok: true; text: string } | { ok: false; problem: string } {
  if (rawTooLong(raw, max)) return { ok: false, problem: `${noun} has at most ${max} characters` };
  const nfc = raw.normalize('NFC');
  const hidden = hiddenCharacterProblem(nfc.replace(/[\t\n\r]/g, ' '), noun);
  if (hidden) return { ok: false, problem: hidden };
  const text = normalizeText(nfc);
  const problem = textProblem(text, max, noun);
  return problem ? { ok: false, problem } : { ok: true, text };
}

/**
 * The form two names are compared in: NFKC (compatibility characters such as full-width
 * letters fold onto plain ones), whitespace collapsed, lower case. "ANA", "ａｎａ" and
 * "Ana" (with a no-break space) are all the same name.
 */
export function nameKey(name: string): string {
  return normalizeText(name.normalize('NFKC')).toLowerCase();
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Whether a node id would clash with what every JavaScript object has (`__proto__`,
 * `constructor`, `toString`...): a room keeps its nodes in a plain object, so such an id
 * is refused wherever ids come in (socket payloads, session files, scenarios).
 */
export function reservedId(id: string): boolean {
  return id in Object.prototype;
}

/** A node name in scenarios and for `PaxosNode`: a letter, then letters, digits, _ or -, up to 24 characters. */
const NODE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,23}$/;

/**
 * Why `name` cannot name a node in a scenario or a `PaxosNode`, as the end of a sentence
 * that starts with the name, or null: one rule for scripts and for code.
 */
export function nodeNameProblem(name: string): string | null {
  if (!NODE_NAME.test(name)) return 'is not a node name: use a letter then letters, digits, _ or -, up to 24 characters';
  if (reservedId(name)) return 'cannot be a node name: every JavaScript object has a property of that name';
  return null;
}

/**
 * The word of `words` that `word` most likely misspells (at most two letters added,
 * removed, changed or swapped), or null: for "did you mean quorum?".
 */
export function closestWord(word: string, words: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const w of words) {
    const d = editDistance(word.toLowerCase(), w.toLowerCase(), bestDistance);
    if (d < bestDistance) [best, bestDistance] = [w, d];
  }
  return best;
}

/** Damerau-Levenshtein distance (adjacent swaps count one), or `stopAt` once it is that far. */
function editDistance(a: string, b: string, stopAt: number): number {
  // Words longer than any option cost nothing to rule out: their lengths alone are too far apart.
  if (Math.abs(a.length - b.length) >= stopAt || a.length > 64 || b.length > 64) return stopAt;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return Math.min(d[a.length]![b.length]!, stopAt);
}
