/**
 * Colour arithmetic for tenant branding: brand colours arrive as any hex string, and the portal must keep
 * text on them readable (WCAG AA) in light and dark themes.
 */

/** `#abc` / `#aabbcc` -> [r, g, b] in 0..255; null for anything else. */
export function parseHex(color: string): [number, number, number] | null {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!match?.[1]) return null;
  const hex = match[1].length === 3 ? [...match[1]].map((c) => c + c).join("") : match[1];
  return [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

export function toHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b]
    .map((v) =>
      Math.round(Math.min(255, Math.max(0, v)))
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

/** WCAG relative luminance. */
export function luminance(rgb: [number, number, number]): number {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white, whichever reads better on `background`. */
export function readableTextOn(background: string): string {
  const rgb = parseHex(background);
  if (!rgb) return "#ffffff";
  return contrastRatio(rgb, [255, 255, 255]) >= contrastRatio(rgb, [0, 0, 0]) ? "#ffffff" : "#000000";
}

/**
 * The brand colour moved towards black (light theme) or white (dark theme) until it reaches `minimum`
 * contrast against `surface`: used for links and focus rings drawn in the brand colour on plain pages.
 */
export function ensureContrast(color: string, surface: string, minimum = 4.5): string {
  const base = parseHex(color);
  const against = parseHex(surface);
  if (!base || !against) return color;
  const target: [number, number, number] = luminance(against) > 0.5 ? [0, 0, 0] : [255, 255, 255];
  for (let step = 0; step <= 20; step++) {
    const t = step / 20;
    const mixed = base.map((v, i) => v + ((target[i] ?? 0) - v) * t) as [number, number, number];
    if (contrastRatio(mixed, against) >= minimum) return toHex(mixed);
  }
  return toHex(target);
}
