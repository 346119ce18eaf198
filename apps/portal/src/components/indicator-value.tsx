import { defang, refang } from "@threatfusion/ioc";
import { createSignal, type JSX, Show } from "solid-js";

/**
 * An indicator shown defanged (safe to paste into chat or a ticket, never a live link) with a button that
 * copies the real, refanged value for pasting into a SIEM or firewall.
 */
export function IndicatorValue(props: { value: string; copy?: boolean; class?: string }): JSX.Element {
  const [copied, setCopied] = createSignal(false);
  const shown = () => defang(props.value);
  async function copyRefanged(event: MouseEvent) {
    event.stopPropagation();
    event.preventDefault();
    try {
      await navigator.clipboard.writeText(refang(props.value));
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  }
  return (
    <span class={`ioc ${props.class ?? ""}`}>
      <code class="ioc-value" title={shown()}>
        {shown()}
      </code>
      <Show when={props.copy !== false}>
        <button
          type="button"
          class="icon-button"
          onClick={copyRefanged}
          aria-label={`Copy ${shown()} refanged`}
          title="Copy the real (refanged) value"
        >
          {copied() ? "✓" : "⧉"}
        </button>
      </Show>
    </span>
  );
}
