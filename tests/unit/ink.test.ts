/** A node's colour stands out from the page in both colour schemes (WCAG 2.2, 1.4.11 non-text contrast: 3:1). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contrastRatio, inkOf, nodeHue, SURFACES } from '@toy-paxos/shared';

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

describe("a node's ink", () => {
  it('is at least 3:1 against every surface of its scheme, for every hue', () => {
    for (const scheme of ['light', 'dark'] as const) {
      for (let hue = 0; hue < 360; hue += 0.5) {
        const ink = inkOf(hue, scheme);
        expect(ink).toMatch(/^#[0-9a-f]{6}$/);
        for (const surface of SURFACES[scheme]) expect(contrastRatio(rgb(ink), rgb(surface)), `${scheme} hue ${hue}: ${ink} on ${surface}`).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('keeps the hues of the first nodes apart, and the colours they had where those stood out', () => {
    const hues = [0, 1, 2, 3, 4, 5].map(nodeHue);
    expect(new Set(hues.map((h) => inkOf(h, 'dark'))).size).toBe(6);
    // The first node's blue was already dark enough on white: hsl(220 70% 45%).
    expect(inkOf(nodeHue(0), 'light')).toBe('#2258c3');
    // On the dark theme it was 2.4:1; now it is lighter.
    expect(contrastRatio(rgb('#2258c3'), rgb(SURFACES.dark[0]))).toBeLessThan(3);
  });

  it("uses the page's own colours (client/src/app.css)", () => {
    const css = readFileSync(join(import.meta.dirname, '..', '..', 'client', 'src', 'app.css'), 'utf8');
    const [light, dark] = css.split('@media (prefers-color-scheme: dark)') as [string, string];
    const value = (block: string, name: string) => new RegExp(`--${name}: (#[0-9a-f]{6});`).exec(block)?.[1];
    expect(SURFACES.light).toEqual([value(light, 'card'), value(light, 'bg')]);
    expect(SURFACES.dark).toEqual([value(dark, 'card'), value(dark, 'bg')]);
  });
});
