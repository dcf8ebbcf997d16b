/**
 * The colours a node's drawings take: its circle on the ring, its messages in flight, and
 * the arrows of its ballots in the sequence diagram. Each node has a hue; each colour
 * scheme gets the lightness of that hue which stands out at least 3:1 from the page
 * (WCAG 2.2, 1.4.11 non-text contrast), since a yellow as light as a blue would vanish on
 * white, and a blue as dark as a yellow would vanish on the dark theme.
 */

/** The surfaces drawings lie on, per scheme: `--card` and `--bg` in client/src/app.css (keep the two in step). */
export const SURFACES = {
  light: ['#ffffff', '#fbfbfd'],
  dark: ['#1a1d24', '#111318'],
} as const;

export type Scheme = keyof typeof SURFACES;

/** The least contrast an ink keeps against every surface of its scheme: 3:1, and a margin for rounding. */
export const INK_CONTRAST_MIN = 3.2;

const SATURATION = 0.7;
/** Where the search starts: the lightness a hue takes when it already stands out (the colours the drawings had). */
const LIGHTNESS_START: Record<Scheme, number> = { light: 0.45, dark: 0.6 };

/** The hue of the `index`th node (in join order): spread by the golden angle, so that neighbours differ. */
export function nodeHue(index: number): number {
  return (index * 137.5 + 220) % 360;
}

/** An sRGB colour as 0 to 255 channels, from `#rrggbb`. */
function channels(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The relative luminance of an sRGB colour given as 0 to 255 channels (WCAG 2.2's definition). */
export function luminance([r, g, b]: readonly [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The contrast ratio of two colours given as 0 to 255 channels, 1 to 21. */
export function contrastRatio(a: readonly [number, number, number], b: readonly [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `hsl(hue, s, l)` (s and l from 0 to 1) as `#rrggbb`. */
function hslHex(hue: number, s: number, l: number): string {
  const k = (n: number) => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return `#${[f(0), f(8), f(4)].map((c) => Math.round(c * 255).toString(16).padStart(2, '0')).join('')}`;
}

const inks = new Map<string, string>();

/** The colour of hue `hue` in `scheme`, at least INK_CONTRAST_MIN against each of its surfaces: darker on light, lighter on dark. */
export function inkOf(hue: number, scheme: Scheme): string {
  const key = `${scheme}|${hue}`;
  const known = inks.get(key);
  if (known) return known;
  const surfaces = SURFACES[scheme].map(channels);
  const step = scheme === 'light' ? -0.01 : 0.01;
  let ink = hslHex(hue, SATURATION, LIGHTNESS_START[scheme]);
  // Black and white stand out from every surface of their scheme, so the search always ends.
  for (let l = LIGHTNESS_START[scheme]; l >= 0 && l <= 1; l += step) {
    ink = hslHex(hue, SATURATION, l);
    if (surfaces.every((s) => contrastRatio(channels(ink), s) >= INK_CONTRAST_MIN)) break;
  }
  inks.set(key, ink);
  return ink;
}
