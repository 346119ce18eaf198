// biome-ignore-all lint/a11y/useSemanticElements: an ARIA grid; a <table> cannot hold absolutely positioned, recycled rows
// biome-ignore-all lint/a11y/useFocusableInteractive: focus stays on the grid, rows are reached with aria-activedescendant
/**
 * A sortable, keyboard-navigable table that renders only the rows in view, so 100,000 rows scroll as
 * smoothly as 100. Fixed row height keeps the maths trivial (no measuring). ARIA grid semantics:
 * the scroller is one tab stop; arrow keys, Page Up/Down, Home/End move the active row; Enter opens it.
 */
import { createMemo, createSignal, For, type JSX, onCleanup, onMount } from "solid-js";

export interface Column<T> {
  id: string;
  header: string;
  width: string;
  /** Sort key for the column; columns without one are not sortable. */
  sortValue?: (row: T) => string | number;
  cell: (row: T) => JSX.Element;
}

export type SortState = { column: string; direction: "asc" | "desc" } | null;

export function sortRows<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  sort: SortState,
): readonly T[] {
  if (!sort) return rows;
  const column = columns.find((c) => c.id === sort.column);
  const key = column?.sortValue;
  if (!key) return rows;
  const factor = sort.direction === "asc" ? 1 : -1;
  // Decorate-sort-undecorate: the key is computed once per row, not once per comparison.
  const decorated = rows.map((row, index) => ({ row, key: key(row), index }));
  decorated.sort((a, b) => (a.key < b.key ? -factor : a.key > b.key ? factor : a.index - b.index));
  return decorated.map((d) => d.row);
}

export function VirtualTable<T>(props: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  label: string;
  rowHeight?: number;
  height?: string;
  sort?: SortState;
  onSort?: (sort: SortState) => void;
  onOpen?: (row: T) => void;
  onEndReached?: () => void;
}): JSX.Element {
  const rowHeight = () => props.rowHeight ?? 36;
  const [scrollTop, setScrollTop] = createSignal(0);
  const [viewport, setViewport] = createSignal(600);
  const [active, setActive] = createSignal(0);
  let scroller: HTMLDivElement | undefined;
  let head: HTMLDivElement | undefined;
  const headHeight = () => head?.offsetHeight ?? 0;
  const overscan = 8;

  const template = () => props.columns.map((c) => c.width).join(" ");
  const first = createMemo(() => Math.max(0, Math.floor(scrollTop() / rowHeight()) - overscan));
  const last = createMemo(() =>
    Math.min(props.rows.length, Math.ceil((scrollTop() + viewport()) / rowHeight()) + overscan),
  );
  // The rows themselves (stable identities), so that moving the window keeps the rows still in view and
  // builds only those entering it.
  const visible = createMemo(() => props.rows.slice(first(), last()));

  onMount(() => {
    if (!scroller) return;
    const observer = new ResizeObserver(() => setViewport(scroller?.clientHeight ?? 600));
    observer.observe(scroller);
    onCleanup(() => observer.disconnect());
  });

  // Scroll events arrive at most once per frame already; updating at once keeps rows and scroll in step.
  function onScroll() {
    const top = scroller?.scrollTop ?? 0;
    setScrollTop(top);
    if (props.onEndReached && top + viewport() >= props.rows.length * rowHeight() - rowHeight() * 20) {
      props.onEndReached();
    }
  }

  function moveTo(index: number) {
    const clamped = Math.max(0, Math.min(props.rows.length - 1, index));
    setActive(clamped);
    if (!scroller) return;
    const top = clamped * rowHeight();
    // Row tops are relative to the rows container, which starts below the sticky header.
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + rowHeight() + headHeight() > scroller.scrollTop + scroller.clientHeight) {
      scroller.scrollTop = top + rowHeight() + headHeight() - scroller.clientHeight;
    }
  }

  function onKeyDown(event: KeyboardEvent) {
    const page = Math.max(1, Math.floor(viewport() / rowHeight()) - 1);
    const moves: Record<string, number> = {
      ArrowDown: active() + 1,
      ArrowUp: active() - 1,
      PageDown: active() + page,
      PageUp: active() - page,
      Home: 0,
      End: props.rows.length - 1,
    };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      moveTo(target);
    } else if (event.key === "Enter") {
      const row = props.rows[active()];
      if (row !== undefined) props.onOpen?.(row);
    }
  }

  function toggleSort(column: Column<T>) {
    if (!column.sortValue || !props.onSort) return;
    const current = props.sort;
    const direction = current?.column === column.id && current.direction === "desc" ? "asc" : "desc";
    props.onSort({ column: column.id, direction });
  }

  const ariaSort = (column: Column<T>) =>
    props.sort?.column === column.id ? (props.sort.direction === "asc" ? "ascending" : "descending") : "none";

  return (
    <div class="vtable">
      <div
        class="vtable-body"
        ref={scroller}
        role="grid"
        tabIndex={0}
        aria-label={props.label}
        aria-rowcount={props.rows.length + 1}
        aria-activedescendant={props.rows.length > 0 ? `vrow-${active()}` : undefined}
        style={{ height: props.height ?? "60vh" }}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
      >
        <div
          class="vtable-head"
          ref={head}
          role="row"
          aria-rowindex={1}
          style={{ "grid-template-columns": template() }}
        >
          <For each={props.columns}>
            {(column) => (
              <div role="columnheader" aria-sort={column.sortValue ? ariaSort(column) : undefined}>
                {column.sortValue && props.onSort ? (
                  <button type="button" class="sort-button" onClick={() => toggleSort(column)}>
                    {column.header}
                    <span aria-hidden="true">
                      {props.sort?.column === column.id ? (props.sort.direction === "asc" ? " ▲" : " ▼") : ""}
                    </span>
                  </button>
                ) : (
                  column.header
                )}
              </div>
            )}
          </For>
        </div>
        <div class="vtable-rows" role="rowgroup" style={{ height: `${props.rows.length * rowHeight()}px` }}>
          <For each={visible()}>
            {(row, position) => {
              const index = () => first() + position();
              return (
                // biome-ignore lint/a11y/useKeyWithClickEvents: the grid handles Enter for the active row
                <div
                  id={`vrow-${index()}`}
                  role="row"
                  aria-rowindex={index() + 2}
                  aria-selected={index() === active()}
                  class="vtable-row"
                  classList={{ active: index() === active() }}
                  data-key={props.rowKey(row)}
                  style={{
                    top: `${index() * rowHeight()}px`,
                    height: `${rowHeight()}px`,
                    "grid-template-columns": template(),
                  }}
                  onClick={() => {
                    setActive(index());
                    props.onOpen?.(row);
                  }}
                >
                  <For each={props.columns}>{(column) => <div role="gridcell">{column.cell(row)}</div>}</For>
                </div>
              );
            }}
          </For>
        </div>
      </div>
    </div>
  );
}
