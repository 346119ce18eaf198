import type { JSX } from "solid-js";
import type { IndicatorStatus, Tlp } from "../api/types.ts";

const statusLabels: Record<string, string> = {
  new: "New",
  investigating: "Investigating",
  confirmed: "Confirmed",
  false_positive: "False positive",
  allowlisted: "Allowlisted",
  expired: "Expired",
};

export function statusLabel(status: string): string {
  return statusLabels[status] ?? status;
}

export function StatusBadge(props: { status: IndicatorStatus | string }): JSX.Element {
  return <span class={`badge status-${props.status}`}>{statusLabel(props.status)}</span>;
}

export function scoreBand(score: number): "high" | "medium" | "low" {
  return score >= 70 ? "high" : score >= 40 ? "medium" : "low";
}

/** A score with a text band, so meaning never depends on colour alone. */
export function ScoreBadge(props: { score: number | null | undefined }): JSX.Element {
  const band = () => scoreBand(props.score ?? 0);
  return (
    <span class={`badge score score-${band()}`} title={`Score ${props.score ?? "–"} (${band()})`}>
      {props.score ?? "–"}
    </span>
  );
}

export function TlpBadge(props: { tlp: Tlp | string }): JSX.Element {
  return <span class={`badge tlp tlp-${props.tlp.replace("+", "-")}`}>TLP:{props.tlp.toUpperCase()}</span>;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().slice(0, 10);
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : value.toLocaleString("en-US");
}
