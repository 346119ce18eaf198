/**
 * Time-series and bar charts on uPlot, loaded on demand so the library never weighs on the first paint.
 * Every chart carries a text alternative (a visually hidden table) for screen readers.
 */
import { createEffect, For, type JSX, onCleanup, onMount } from "solid-js";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface SeriesChartProps {
  label: string;
  /** Unix seconds on x. */
  x: number[];
  y: number[];
  kind?: "line" | "bars";
  height?: number;
  /** Rows for the hidden text alternative. */
  describe: { label: string; value: string }[];
}

export function SeriesChart(props: SeriesChartProps): JSX.Element {
  let host: HTMLDivElement | undefined;
  let plot: uPlot | undefined;
  let disposed = false;

  async function draw() {
    if (!host) return;
    const { default: UPlot } = await import("uplot");
    if (disposed || !host) return;
    const styles = getComputedStyle(document.documentElement);
    const stroke = styles.getPropertyValue("--brand").trim() || "#2563eb";
    const axis = styles.getPropertyValue("--muted").trim() || "#6b7280";
    plot?.destroy();
    const width = Math.max(240, host.clientWidth);
    plot = new UPlot(
      {
        width,
        height: props.height ?? 180,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        axes: [
          { stroke: axis, grid: { show: false } },
          { stroke: axis, grid: { stroke: `${axis}33` } },
        ],
        series: [
          {},
          {
            label: props.label,
            stroke,
            fill: `${stroke}33`,
            width: 2,
            ...(props.kind === "bars" ? { paths: UPlot.paths.bars?.({ size: [0.7, 40] }) } : {}),
          },
        ],
      },
      [props.x, props.y],
      host,
    );
  }

  onMount(() => {
    const observer = new ResizeObserver(() => {
      if (plot && host) plot.setSize({ width: Math.max(240, host.clientWidth), height: props.height ?? 180 });
    });
    if (host) observer.observe(host);
    onCleanup(() => {
      disposed = true;
      observer.disconnect();
      plot?.destroy();
    });
  });
  createEffect(() => {
    void props.x;
    void props.y;
    void draw();
  });

  return (
    <figure class="chart">
      <div ref={host} aria-hidden="true" />
      <figcaption class="visually-hidden">
        <table>
          <caption>{props.label}</caption>
          <tbody>
            <For each={props.describe}>
              {(row) => (
                <tr>
                  <th scope="row">{row.label}</th>
                  <td>{row.value}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}

/** Horizontal bars in plain HTML/CSS (each bar is a link to the matching search): no library needed. */
export function BarList(props: {
  label: string;
  items: { label: string; count: number; href: string }[];
}): JSX.Element {
  const max = () => Math.max(1, ...props.items.map((i) => i.count));
  return (
    <ul class="bar-list" aria-label={props.label}>
      <For each={props.items}>
        {(item) => (
          <li>
            <a href={item.href} class="bar-link">
              <span class="bar-label">{item.label}</span>
              <span class="bar-track" aria-hidden="true">
                <span class="bar-fill" style={{ width: `${(item.count / max()) * 100}%` }} />
              </span>
              <span class="bar-count">{item.count.toLocaleString("en-US")}</span>
            </a>
          </li>
        )}
      </For>
    </ul>
  );
}
