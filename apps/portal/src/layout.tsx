import type { ParentProps } from "solid-js";

export function Layout(props: ParentProps) {
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="/">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>ThreatFusion</span>
        </a>
      </header>
      <main id="main">{props.children}</main>
    </div>
  );
}
