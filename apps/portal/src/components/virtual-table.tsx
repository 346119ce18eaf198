// biome-ignore-all lint/a11y/useSemanticElements: an ARIA grid; a <table> cannot hold absolutely positioned, recycled rows
// biome-ignore-all lint/a11y/useFocusableInteractive: focus stays on the grid, rows are reached with aria-activedescendant
/**
 * A sortable, keyboard-navigable table that renders only the rows in view, so 100,000 rows scroll as
 * smoothly as 100. Rows have one fixed height (no measuring). A fixed pool of row slots is built once and
 * recycled as the window moves (lib/row-window.ts): a slot that takes a new row gets its text, classes and
 * `translateY` written directly, so scrolling allocates no components, signals or DOM nodes. ARIA grid
 * semantics: the scroller is one tab stop; arrow keys, Page Up/Down, Home/End move the active row; Enter
 * opens it.
 */
import {
  createMemo,
  createRenderEffect,
  createSignal,
  For,
  Index,
  type JSX,
  onCleanup,
  onMount,
} from "solid-js";
import { rowOfSlot, rowWindow, slotCount } from "../lib/row-window.ts";

export interface Column<T> {
  id: string;
  header: string;
  width: string;
  /** Sort key for the column; columns without one are not sortable. */
  sortValue?: (row: T) => string | number;
  /** The cell's content as text, written into a recycled cell. */
  text: (row: T) => string;
  /** Class of the cell's text (badges), when it depends on the row. */
  className?: (row: T) => string;
  /** Tooltip of the cell's text. */
  title?: (row: T) => string;
  /** One button in the cell (copy the refanged value), built once per slot; `run` gets the slot's row. */
  action?: {
    icon: string;
    title: string;
    label: (row: T) => string;
    run: (row: T, button: HTMLButtonElement) => void;
  };
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
  const overscan = 6;
  const [scrollTop, setScrollTop] = createSignal(0);
  const [viewport, setViewport] = createSignal(600);
  const [active, setActive] = createSignal(0);
  let scroller: HTMLDivElement | undefined;
  let head: HTMLDivElement | undefined;
  const headHeight = () => head?.offsetHeight ?? 0;

  const template = () => props.columns.map((c) => c.width).join(" ");
  const slots = createMemo(() => slotCount(viewport(), rowHeight(), overscan));
  // Only a change of the first row (or of the data) moves the window: most scroll events change nothing.
  const rowsInView = createMemo(
    () =>
      rowWindow({
        scrollTop: scrollTop(),
        rowHeight: rowHeight(),
        total: props.rows.length,
        slots: slots(),
        overscan,
      }),
    undefined,
    { equals: (a, b) => a.first === b.first && a.count === b.count },
  );
  // The pool: one slot per row that can be in the window. Its size changes with the viewport (and for
  // lists shorter than the viewport), never while scrolling.
  const pool = createMemo(() => Array.from({ length: Math.min(slots(), props.rows.length) }, (_, i) => i));

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

  /**
   * One recycled row: its DOM is built once; two render effects (created once per slot, not per row) write
   * the row it shows now and whether it is the active one.
   */
  function RowSlot(slotProps: { slot: number }): JSX.Element {
    const rowIndex = createMemo(() => rowOfSlot(slotProps.slot, rowsInView(), slots()));
    const element = document.createElement("div");
    element.setAttribute("role", "row");
    element.className = "vtable-row";
    const cells = props.columns.map((column) => {
      const cell = document.createElement("div");
      cell.setAttribute("role", "gridcell");
      const text = document.createElement("span");
      cell.append(text);
      let button: HTMLButtonElement | undefined;
      const action = column.action;
      if (action) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "icon-button";
        button.title = action.title;
        button.textContent = action.icon;
        const own = button;
        own.addEventListener("click", (event) => {
          event.stopPropagation();
          const row = props.rows[rowIndex()];
          if (row !== undefined) action.run(row, own);
        });
        cell.append(button);
      }
      element.append(cell);
      // What was written last: a recycled cell often shows the same class or label again (badges).
      return { column, text, button, shown: { text: "", className: "", title: "", label: "" } };
    });
    element.addEventListener("click", () => {
      const index = rowIndex();
      const row = props.rows[index];
      if (row === undefined) return;
      setActive(index);
      props.onOpen?.(row);
    });
    createRenderEffect(() => {
      element.style.height = `${rowHeight()}px`;
      element.style.gridTemplateColumns = template();
    });
    createRenderEffect(() => {
      const index = rowIndex();
      const row = index >= 0 ? props.rows[index] : undefined;
      element.hidden = row === undefined;
      if (row === undefined) return;
      element.id = `vrow-${index}`;
      element.setAttribute("aria-rowindex", String(index + 2));
      element.dataset.key = props.rowKey(row);
      element.style.transform = `translateY(${index * rowHeight()}px)`;
      for (const { column, text, button, shown } of cells) {
        const content = column.text(row);
        if (content !== shown.text) {
          shown.text = content;
          text.textContent = content;
        }
        const className = column.className?.(row) ?? "";
        if (className !== shown.className) {
          shown.className = className;
          text.className = className;
        }
        const title = column.title?.(row) ?? "";
        if (title !== shown.title) {
          shown.title = title;
          text.title = title;
        }
        const label = button && column.action ? column.action.label(row) : "";
        if (button && label !== shown.label) {
          shown.label = label;
          button.setAttribute("aria-label", label);
        }
      }
    });
    createRenderEffect(() => {
      const isActive = rowIndex() === active();
      element.classList.toggle("active", isActive);
      element.setAttribute("aria-selected", String(isActive));
    });
    return element;
  }

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
          <Index each={pool()}>{(slot) => <RowSlot slot={slot()} />}</Index>
        </div>
      </div>
    </div>
  );
}
