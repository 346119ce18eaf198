/**
 * Tenant branding applied to the page: CSS variables for the brand colours (with readable text and link
 * variants per theme), product name in the title, favicon, and the light/dark theme.
 */
import { createSignal } from "solid-js";
import { defaultBranding } from "./api/endpoints.ts";
import type { Branding, ThemeChoice } from "./api/types.ts";
import { ensureContrast, readableTextOn } from "./lib/colors.ts";

const surfaces = { light: "#ffffff", dark: "#0f172a" } as const;
const themeKey = "tf-theme";

const [branding, setBrandingSignal] = createSignal<Branding>(defaultBranding);

export { branding };

function storedTheme(): ThemeChoice | null {
  try {
    const value = localStorage.getItem(themeKey);
    return value === "light" || value === "dark" || value === "system" ? value : null;
  } catch {
    return null;
  }
}

const [themeChoice, setThemeChoiceSignal] = createSignal<ThemeChoice>(storedTheme() ?? "system");

export { themeChoice };

function resolvedTheme(choice: ThemeChoice): "light" | "dark" {
  if (choice !== "system") return choice;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** CSS variables for a branding in a theme; also used by the branding editor's live preview. */
export function brandVariables(value: Branding, theme: "light" | "dark"): Record<string, string> {
  const primary = value.colors.primary;
  const accent = value.colors.accent ?? primary;
  return {
    "--brand": primary,
    "--brand-contrast": readableTextOn(primary),
    "--brand-ink": ensureContrast(primary, surfaces[theme]),
    "--accent": accent,
    "--accent-ink": ensureContrast(accent, surfaces[theme]),
  };
}

function applyToDocument(): void {
  const value = branding();
  const theme = resolvedTheme(themeChoice());
  const root = document.documentElement;
  root.dataset.theme = theme;
  for (const [name, v] of Object.entries(brandVariables(value, theme))) root.style.setProperty(name, v);
  document.title = value.productName;
  const icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (icon) icon.href = value.faviconUrl ?? value.logoUrl ?? "/favicon.svg";
}

export function setBranding(value: Branding): void {
  setBrandingSignal(value);
  if (!storedTheme()) setThemeChoiceSignal(value.theme);
  applyToDocument();
}

export function setThemeChoice(choice: ThemeChoice): void {
  try {
    localStorage.setItem(themeKey, choice);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  setThemeChoiceSignal(choice);
  applyToDocument();
}

/** Name shown in the page title of each route: "Search · Acme SOC". */
export function pageTitle(name: string): string {
  return `${name} · ${branding().productName}`;
}

if (typeof window !== "undefined") {
  window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", applyToDocument);
  applyToDocument();
}
