import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

interface Props {
  /** The grid's accessible name, e.g. "First rows of public.orders". */
  label: string;
  columns: readonly string[];
  rows: readonly (readonly (string | null)[])[];
  /** Pixel height of one row and of the scrolling body (rows are virtualized to what fits). */
  rowHeight?: number;
  height?: number;
}

/** Rows drawn above and below the visible ones, so fast scrolling does not show blanks. */
const OVERSCAN = 8;

/**
 * A read-only grid of text values (NULL shown as NULL, distinct from ''), virtualized: only the rows
 * in view are in the DOM, positioned in a body as tall as all rows. The ARIA grid pattern with a
 * roving tabindex: one cell is in the tab order; arrows, Home/End, Ctrl+Home/End and PageUp/PageDown
 * move it, scrolling it into view.
 */
export function DataGrid({ label, columns, rows, rowHeight = 28, height = 420 }: Props) {
  const body = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [active, setActive] = useState<{ row: number; col: number }>({ row: 0, col: 0 });
  const focusPending = useRef(false);
  const pageRows = Math.max(1, Math.floor(height / rowHeight) - 1);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);

  // A new table starts at its first cell.
  useEffect(() => {
    setActive({ row: 0, col: 0 });
    setScrollTop(0);
    if (body.current) body.current.scrollTop = 0;
  }, [rows, columns]);

  useEffect(() => {
    if (!focusPending.current) return;
    focusPending.current = false;
    body.current?.querySelector<HTMLElement>(`[data-cell="${active.row}:${active.col}"]`)?.focus();
  }, [active, first, last]);

  const move = (row: number, col: number): void => {
    const r = Math.min(Math.max(row, 0), Math.max(rows.length - 1, 0));
    const c = Math.min(Math.max(col, 0), Math.max(columns.length - 1, 0));
    const el = body.current;
    if (el) {
      // Scroll just enough to show the row; the render then draws it and the effect focuses it.
      const top = r * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + height) el.scrollTop = top + rowHeight - height;
      setScrollTop(el.scrollTop);
    }
    focusPending.current = true;
    setActive({ row: r, col: c });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const { row, col } = active;
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(row + 1, col),
      ArrowUp: () => move(row - 1, col),
      ArrowRight: () => move(row, col + 1),
      ArrowLeft: () => move(row, col - 1),
      PageDown: () => move(row + pageRows, col),
      PageUp: () => move(row - pageRows, col),
      Home: () => (e.ctrlKey ? move(0, 0) : move(row, 0)),
      End: () => (e.ctrlKey ? move(rows.length - 1, columns.length - 1) : move(row, columns.length - 1)),
    };
    const action = keys[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  };

  const template = `repeat(${columns.length}, minmax(8rem, 1fr))`;
  return (
    <div role="grid" aria-label={label} aria-rowcount={rows.length + 1} aria-colcount={columns.length} aria-readonly="true" className="data-grid" onKeyDown={onKeyDown}>
      <div role="rowgroup">
        <div role="row" aria-rowindex={1} className="data-grid-row data-grid-head" style={{ display: 'grid', gridTemplateColumns: template }}>
          {columns.map((c, i) => (
            <div role="columnheader" aria-colindex={i + 1} key={i}>
              {c}
            </div>
          ))}
        </div>
      </div>
      <div role="rowgroup" ref={body} className="data-grid-body" style={{ height, overflow: 'auto', position: 'relative' }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div style={{ height: rows.length * rowHeight, position: 'relative' }}>
          {rows.slice(first, last).map((r, k) => {
            const i = first + k;
            return (
              <div role="row" aria-rowindex={i + 2} key={i} className="data-grid-row" style={{ display: 'grid', gridTemplateColumns: template, position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}>
                {columns.map((_, j) => {
                  const v = r[j] ?? null;
                  const isActive = active.row === i && active.col === j;
                  return (
                    <div
                      role="gridcell"
                      aria-colindex={j + 1}
                      key={j}
                      data-cell={`${i}:${j}`}
                      tabIndex={isActive ? 0 : -1}
                      className={v === null ? 'null' : undefined}
                      onClick={() => move(i, j)}
                      title={v ?? 'NULL'}
                    >
                      {v ?? 'NULL'}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
