// The palette: every node type of the engine's catalogue, grouped by category, searchable.
// Drag an entry onto the canvas, or click it / press Enter to add it next to the selection.
// Dragging is HTML drag and drop (what a mouse does, and what scripts that dispatch
// drag events expect), with a pointer-event path where no native drag starts (touch, pen).
import { useReactFlow } from "@xyflow/react";
import { useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import { useEditor, useEditorApi } from "../hooks";
import type { NodeType } from "../lib/types";

const DRAG_THRESHOLD = 4;
export const DRAG_TYPE = "application/x-nodefox-type";
/** Places tried, in order, around the middle of the view for a node added with nothing selected. */
const AROUND: [number, number][] = [0, 1, -1, 2, -2].flatMap((row) => [0, 1, -1].map((col): [number, number] => [col * 230, row * 110]));

export function Palette() {
  const catalogue = useEditor((s) => s.catalogue);
  const api = useEditorApi();
  const flow = useReactFlow();
  const [query, setQuery] = useState("");
  const [ghost, setGhost] = useState<{ type: NodeType; x: number; y: number } | null>(null);
  const drag = useRef<{ type: NodeType; x: number; y: number; moved: boolean } | null>(null);
  const droppedAt = useRef(0); // a drag that ends on its own entry is not also a click

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const byCategory = new Map<string, NodeType[]>();
    for (const t of catalogue?.nodes ?? []) {
      const text = `${t.type} ${t.title} ${t.description} ${t.category}`.toLowerCase();
      if (q && !text.includes(q)) continue;
      byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t]);
    }
    return [...byCategory.entries()];
  }, [catalogue, query]);

  const onPointerDown = (type: NodeType) => (event: ReactPointerEvent) => {
    if (event.button !== 0) return;
    drag.current = { type, x: event.clientX, y: event.clientY, moved: false };
    const move = (e: PointerEvent) => {
      const d = drag.current;
      if (!d) return;
      if (!d.moved && Math.hypot(e.clientX - d.x, e.clientY - d.y) < DRAG_THRESHOLD) return;
      d.moved = true;
      setGhost({ type: d.type, x: e.clientX, y: e.clientY });
    };
    const stop = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", stop);
      drag.current = null;
      setGhost(null);
    };
    const up = (e: PointerEvent) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", stop);
      const d = drag.current;
      drag.current = null;
      setGhost(null);
      if (!d?.moved) return; // a click: handled by onClick
      droppedAt.current = performance.now();
      const under = document.elementFromPoint(e.clientX, e.clientY);
      if (!under?.closest(".react-flow")) return;
      const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      void api.getState().addNode(d.type.type, [at.x - 90, at.y - 30]);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", stop); // a native drag took over
  };

  /** Next to the selected node; with none, in the middle of what the canvas shows (above
   * the minimap's band), or the nearest free place around it. */
  const addBeside = (type: NodeType) => {
    const { selected, doc } = api.getState();
    const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    if (selected.length === 1 || !canvas) return void api.getState().addNode(type.type, null);
    const middle = flow.screenToFlowPosition({ x: canvas.left + canvas.width / 2, y: canvas.top + (canvas.height - 180) / 2 });
    const [x, y] = [Math.round(middle.x - 90), Math.round(middle.y - 40)];
    const taken = (p: [number, number]) => doc.nodes.some((n) => Math.abs((n.position?.[0] ?? 0) - p[0]) < 200 && Math.abs((n.position?.[1] ?? 0) - p[1]) < 100);
    const around = AROUND.map(([dx, dy]): [number, number] => [x + dx, y + dy]);
    void api.getState().addNode(type.type, around.find((p) => !taken(p)) ?? around[0]);
  };

  return (
    <aside className="fx-palette" aria-label="Node palette">
      <input
        className="fx-search"
        type="search"
        placeholder="Search nodes"
        aria-label="Search nodes"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && groups.length) addBeside(groups[0][1][0]);
        }}
      />
      {!catalogue && <p className="fx-muted">The node types arrive with the engine…</p>}
      {catalogue && groups.length === 0 && (
        <p className="fx-muted" data-testid="palette-empty" role="status">
          No node type matches “{query.trim()}”.
        </p>
      )}
      {groups.map(([category, types]) => (
        <section key={category} aria-label={category}>
          <h3>{category}</h3>
          <ul>
            {types.map((t) => (
              <li key={t.type}>
                <button
                  type="button"
                  className="fx-palette-item"
                  data-testid="palette-item"
                  data-type={t.type}
                  title={`${t.description}\nDrag onto the canvas, or press Enter to add it next to the selection.`}
                  onPointerDown={onPointerDown(t)}
                  draggable
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_TYPE, t.type);
                    e.dataTransfer.setData("text/plain", t.type);
                    e.dataTransfer.effectAllowed = "copy";
                  }}
                  onClick={() => {
                    if (performance.now() - droppedAt.current > 300) addBeside(t);
                  }}
                >
                  <span className="fx-palette-title">{t.title}</span>
                  <span className="fx-palette-type">{t.type}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {ghost && (
        <div className="fx-ghost" style={{ left: ghost.x, top: ghost.y }} aria-hidden="true">
          {ghost.type.title}
        </div>
      )}
    </aside>
  );
}
