import { createSignal, For, type JSX, Show } from "solid-js";
import type { Branding, ThemeChoice } from "../../api/types.ts";
import { brandVariables } from "../../branding.ts";
import { ErrorNotice, Notice } from "../../components/notice.tsx";
import { contrastRatio, parseHex } from "../../lib/colors.ts";

export type BrandingDraft = Omit<Branding, "tenantId" | "slug">;

function Preview(props: { draft: BrandingDraft; theme: "light" | "dark" }): JSX.Element {
  return (
    <div
      class="brand-preview"
      data-theme={props.theme}
      style={brandVariables({ ...props.draft, tenantId: null, slug: null }, props.theme)}
      aria-label={`${props.theme} theme preview`}
      role="img"
    >
      <div class="preview-topbar">
        <img src={props.draft.logoUrl ?? "/favicon.svg"} alt="" width="20" height="20" />
        <span>{props.draft.productName || "Product name"}</span>
      </div>
      <div class="preview-body">
        <div class="preview-card">
          <div class="preview-title">Sign in</div>
          <div class="preview-input" />
          <div class="preview-input" />
          <div class="preview-button">Sign in</div>
          <div class="preview-link">Forgot your password?</div>
        </div>
      </div>
    </div>
  );
}

/** Branding form with a live preview in both themes; `onSave` persists it. */
export function BrandingEditor(props: {
  initial: BrandingDraft;
  onSave: (draft: BrandingDraft) => Promise<void>;
  saveLabel?: string;
}): JSX.Element {
  const [draft, setDraft] = createSignal<BrandingDraft>({
    ...props.initial,
    colors: { ...props.initial.colors },
  });
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [saved, setSaved] = createSignal(false);
  const update = (patch: Partial<BrandingDraft>) => {
    setSaved(false);
    setDraft((d) => ({ ...d, ...patch }));
  };
  const primaryContrast = () => {
    const rgb = parseHex(draft().colors.primary);
    return rgb ? contrastRatio(rgb, [255, 255, 255]) : null;
  };

  async function save(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.onSave(draft());
      setSaved(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="branding-editor">
      <form class="form card" onSubmit={save} aria-label="Branding">
        <label class="field">
          <span>Product name</span>
          <input
            name="productName"
            required
            value={draft().productName}
            onInput={(e) => update({ productName: e.currentTarget.value })}
          />
        </label>
        <label class="field">
          <span>Logo URL (https or data: URI, square works best)</span>
          <input
            name="logoUrl"
            value={draft().logoUrl ?? ""}
            onInput={(e) => update({ logoUrl: e.currentTarget.value || null })}
          />
        </label>
        <label class="field">
          <span>Favicon URL</span>
          <input
            name="faviconUrl"
            value={draft().faviconUrl ?? ""}
            onInput={(e) => update({ faviconUrl: e.currentTarget.value || null })}
          />
        </label>
        <div class="row">
          <label class="field">
            <span>Primary colour</span>
            <input
              type="color"
              name="primary"
              value={draft().colors.primary}
              onInput={(e) => update({ colors: { ...draft().colors, primary: e.currentTarget.value } })}
            />
          </label>
          <label class="field">
            <span>Accent colour</span>
            <input
              type="color"
              name="accent"
              value={draft().colors.accent ?? draft().colors.primary}
              onInput={(e) => update({ colors: { ...draft().colors, accent: e.currentTarget.value } })}
            />
          </label>
          <label class="field">
            <span>Default theme</span>
            <select
              value={draft().theme}
              onChange={(e) => update({ theme: e.currentTarget.value as ThemeChoice })}
            >
              <For each={["system", "light", "dark"]}>{(t) => <option value={t}>{t}</option>}</For>
            </select>
          </label>
        </div>
        <label class="field">
          <span>Custom domain (optional, e.g. soc.client.example)</span>
          <input
            name="customDomain"
            value={draft().customDomain ?? ""}
            onInput={(e) => update({ customDomain: e.currentTarget.value || null })}
          />
        </label>
        <Show when={(primaryContrast() ?? 5) < 3}>
          <Notice kind="warn">
            This primary colour is very light; buttons will use dark text and links a darker shade so they
            stay readable.
          </Notice>
        </Show>
        <Show when={error()}>
          <ErrorNotice error={error()} title="The branding was not saved" />
        </Show>
        <Show when={saved()}>
          <Notice kind="ok">Branding saved.</Notice>
        </Show>
        <button type="submit" class="button primary" disabled={busy()}>
          {props.saveLabel ?? "Save branding"}
        </button>
      </form>
      <section aria-labelledby="preview-title" class="previews">
        <h2 id="preview-title">Live preview</h2>
        <Preview draft={draft()} theme="light" />
        <Preview draft={draft()} theme="dark" />
      </section>
    </div>
  );
}
