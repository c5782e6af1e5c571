// The data panel: the selected node's input and output items per port (and any earlier
// node's), as a table, as JSON or as a schema, paged through `inspect`, with counts and
// the node's run time; a search keeps the items whose keys or values match, and a field
// name dragged from the table's header or the schema carries its expression (lib/fields.ts).
import { memo, useDeferredValue, useEffect, useMemo, useState, type DragEvent } from "react";
import { useDrawn, useEditor, useEditorApi } from "../hooks";
import { drawnEdge } from "../lib/drawn";
import { ancestors, exampleText, FIELD_DRAG_TYPE, fieldDrag, filterItems, pathText, schemaOf, type Origin, type Segment } from "../lib/fields";
import type { Item, Json } from "../lib/types";
import { PortDownload } from "./PortDownload";

const PAGE = 50;
/** A search reads at most this many items of a port (fetched 1,000 at a time). */
export const SEARCH_LIMIT = 10_000;
const SEARCH_PAGE = 1000;

type Source = { key: string; label: string; id: string; port: string; count: number | undefined; origin: Origin; earlier?: boolean };
type Row = { item: Item; index: number };

/** Start dragging a field: its expression as text, and path, node and expression as JSON
 * for a parameter field that takes the drop. */
function dragField(e: DragEvent, path: Segment[], origin: Origin) {
  const drag = fieldDrag(path, origin);
  e.dataTransfer.setData(FIELD_DRAG_TYPE, JSON.stringify(drag));
  e.dataTransfer.setData("text/plain", drag.expression);
  e.dataTransfer.effectAllowed = "copy";
}

function cell(value: Json | undefined): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Drawn again only when its page changes (not on every keystroke elsewhere). */
const Table = memo(function Table({ rows, origin }: { rows: Row[]; origin: Origin }) {
  const columns = useMemo(() => {
    const seen = new Set<string>();
    for (const { item } of rows) for (const key of Object.keys(item)) seen.add(key);
    return [...seen];
  }, [rows]);
  return (
    <table className="fx-table">
      <thead>
        <tr>
          <th scope="col">#</th>
          {columns.map((c) => (
            <th scope="col" key={c} draggable data-field={pathText([c])} title="Drag into a parameter to use this field" onDragStart={(e) => dragField(e, [c], origin)}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(({ item, index }) => (
          <tr key={index}>
            <td className="fx-muted">{index}</td>
            {columns.map((c) => (
              <td key={c}>{cell(item[c])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
});

/** Each field once, nested objects indented under their parent, with its types and a value. */
const SchemaView = memo(function SchemaView({ rows, origin }: { rows: Row[]; origin: Origin }) {
  const fields = useMemo(() => schemaOf(rows.map((r) => r.item)), [rows]);
  if (!fields.length) return <p className="fx-muted">The items have no fields.</p>;
  return (
    <ul className="fx-schema" data-testid="schema" aria-label="Fields">
      {fields.map((f) => (
        <li
          key={pathText(f.path)}
          draggable
          data-field={pathText(f.path)}
          style={{ paddingLeft: 6 + f.depth * 18 }}
          title="Drag into a parameter to use this field"
          onDragStart={(e) => dragField(e, f.path, origin)}
        >
          <span className="fx-schema-key">{typeof f.path[f.path.length - 2] === "number" ? `[0].${f.key}` : f.key}</span>
          <span className="fx-schema-type" data-type={f.types.join("|")}>
            {f.types.join(" | ")}
          </span>
          <span className="fx-schema-example">{exampleText(f.example)}</span>
        </li>
      ))}
    </ul>
  );
});

export function DataPanel() {
  const api = useEditorApi();
  // deferred: a keystroke's own render and the canvas's counts come first, the panel in a
  // later, interruptible render; of the document, only what is drawn (names, ports, edges:
  // a parameter's keystroke changes none of them, its answer's results redraw the panel)
  const doc = useDeferredValue(useDrawn());
  const results = useDeferredValue(useEditor((s) => s.results));
  const selectedId = useEditor((s) => (s.selected.length === 1 ? s.selected[0] : null));
  const node = doc.nodes.find((n) => n.id === selectedId);
  const [view, setView] = useState<"table" | "json" | "schema">("table");
  const [chosen, setChosen] = useState("");
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ key: string; items: Item[]; total: number } | null>(null);
  const [typed, setTyped] = useState("");
  const query = useDeferredValue(typed.trim());
  // every item of the port (up to SEARCH_LIMIT), read once per answer while a search is on
  const [every, setEvery] = useState<{ key: string; result: unknown; items: Item[] } | null>(null);
  const result = node ? results[node.id] : undefined;

  const sources: Source[] = useMemo(() => {
    if (!node) return [];
    const byId = new Map(doc.nodes.map((n) => [n.id, n]));
    const nameOf = (id: string) => {
      const other = byId.get(id);
      return other ? other.name || other.id : id;
    };
    const outputPortsOf = (id: string) => byId.get(id)?.outputs ?? [];
    const edges = doc.edges.map((e) => drawnEdge(e, doc));
    const ports = node.inputs;
    // `$json` is the item of the first input port; anything else is read by its node's name
    const origin = (id: string, port: string, direct: boolean): Origin => ({ name: nameOf(id), direct, port, firstPort: outputPortsOf(id)[0] === port });
    const inputs = ports.flatMap((port) =>
      edges
        .filter((e) => e.target === node.id && e.targetPort === port)
        .map((e) => ({
          key: `${node.id}:in:${e.id}`,
          label: `Input${ports.length > 1 ? ` ${port}` : ""} ← ${nameOf(e.source)}${outputPortsOf(e.source).length > 1 ? ` (${e.sourcePort})` : ""}`,
          id: e.source,
          port: e.sourcePort,
          count: results[e.source]?.counts?.[e.sourcePort],
          origin: origin(e.source, e.sourcePort, port === ports[0]),
        })),
    );
    const outputs = node.outputs.map((port) => ({
      key: `${node.id}:out:${port}`,
      label: node.outputs.length > 1 ? `Output ${port}` : "Output",
      id: node.id,
      port,
      count: result?.counts?.[port],
      // the node's own fields, as its input has them (most nodes pass fields on)
      origin: { name: nameOf(node.id), direct: true, port, firstPort: true },
    }));
    const direct = new Set(inputs.map((s) => s.id));
    const earlier = ancestors(edges, node.id)
      .filter((id) => !direct.has(id))
      .flatMap((id) =>
        outputPortsOf(id).map((port) => ({
          key: `${node.id}:up:${id}:${port}`,
          label: `${nameOf(id)}${outputPortsOf(id).length > 1 ? ` (${port})` : ""}`,
          id,
          port,
          count: results[id]?.counts?.[port],
          origin: origin(id, port, false),
          earlier: true,
        })),
      );
    return [...inputs, ...outputs, ...earlier];
  }, [node, doc, results, result]);

  const source = sources.find((s) => s.key === chosen) ?? sources.find((s) => s.key.startsWith(`${node?.id}:out:`)) ?? sources[0];
  const sourceResult = source ? results[source.id] : undefined;
  const searching = query !== "" && source?.count !== undefined;

  useEffect(() => setOffset(0), [source?.key, query]);
  useEffect(() => setTyped(""), [node?.id]); // a search is of one node's items
  useEffect(() => {
    if (!source || source.count === undefined) {
      setPage(null);
      return;
    }
    // the answer's preview already holds every item of a small port: no round trip
    const preview = sourceResult?.preview?.[source.port];
    if (offset === 0 && preview && preview.length === source.count) {
      setPage({ key: `${source.key}:0`, items: preview, total: source.count });
      return;
    }
    if (searching) return; // pages of the matches, from `every`
    let current = true;
    void api
      .getState()
      .inspect(source.id, source.port, offset, PAGE)
      .then((p) => current && p && setPage({ key: `${source.key}:${offset}`, items: p.items, total: p.total }));
    return () => {
      current = false;
    };
  }, [api, source?.key, source?.id, source?.port, source?.count, sourceResult, offset, searching]);

  // a search reads the whole port (not only the page shown), once per answer
  const preview = source ? sourceResult?.preview?.[source.port] : undefined;
  const inHand = preview && source && preview.length === source.count ? preview : null;
  useEffect(() => {
    if (!searching || !source || inHand || (every?.key === source.key && every.result === sourceResult)) return;
    let current = true;
    void (async () => {
      const items: Item[] = [];
      for (let at = 0; at < SEARCH_LIMIT; at += SEARCH_PAGE) {
        const p = await api.getState().inspect(source.id, source.port, at, Math.min(SEARCH_PAGE, SEARCH_LIMIT - at));
        if (!p || !current) return;
        items.push(...p.items);
        if (at + SEARCH_PAGE >= p.total) break;
      }
      if (current) setEvery({ key: source.key, result: sourceResult, items });
    })();
    return () => {
      current = false;
    };
  }, [api, searching, source?.key, source?.id, source?.port, sourceResult, inHand, every]);

  const searched = !searching || !source ? null : inHand ?? (every?.key === source.key && every.result === sourceResult ? every.items : null);
  const matches = useMemo(() => (searched ? filterItems(searched, query) : null), [searched, query]);

  if (!node) {
    return (
      <section className="fx-data" data-testid="data-panel" aria-label="Data">
        <p className="fx-muted">Select a node to see its input and output items.</p>
      </section>
    );
  }
  // a page of another port or node (still on its way) is never shown for this one
  const shown = page && source && page.key === `${source.key}:${offset}` ? page : null;
  const total = shown?.total ?? source?.count ?? 0;
  const rows: Row[] | null = searching ? (matches ? matches.slice(offset, offset + PAGE) : null) : shown ? shown.items.map((item, i) => ({ item, index: offset + i })) : null;
  const count = searching ? (matches?.length ?? 0) : total;
  const capped = searching && total > SEARCH_LIMIT;
  const earlier = sources.filter((s) => s.earlier);
  return (
    <section className="fx-data" data-testid="data-panel" data-node={node.id} aria-label="Data">
      <div className="fx-data-bar">
        <div role="tablist" aria-label="Ports">
          {sources
            .filter((s) => !s.earlier)
            .map((s) => (
              <button
                key={s.key}
                role="tab"
                type="button"
                aria-selected={s.key === source?.key}
                data-port-tab={s.key}
                onClick={() => setChosen(s.key)}
              >
                {s.label} <span className="fx-badge">{s.count ?? "–"}</span>
              </button>
            ))}
        </div>
        {earlier.length > 0 && (
          <select
            className={source?.earlier ? "fx-earlier on" : "fx-earlier"}
            aria-label="Earlier node"
            data-testid="earlier-node"
            value={source?.earlier ? source.key : ""}
            onChange={(e) => setChosen(e.target.value)}
          >
            <option value="">Earlier node…</option>
            {earlier.map((s) => (
              <option key={s.key} value={s.key}>
                {s.label} ({s.count ?? "–"})
              </option>
            ))}
          </select>
        )}
        <span className="fx-muted">
          {result?.status ?? "running"}
          {result?.ms !== undefined && ` · ${result.ms.toFixed(2)} ms`}
        </span>
        {source && source.count !== undefined && <PortDownload id={source.id} port={source.port} name={doc.nodes.find((n) => n.id === source.id)?.name ?? source.id} />}
        <input
          type="search"
          className="fx-search fx-data-search"
          placeholder="Search items"
          aria-label="Search the items"
          data-testid="data-search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          onKeyDown={(e) => e.key === "Escape" && setTyped("")}
        />
        <div role="group" aria-label="View">
          <button type="button" aria-pressed={view === "table"} onClick={() => setView("table")}>
            Table
          </button>
          <button type="button" aria-pressed={view === "json"} onClick={() => setView("json")}>
            JSON
          </button>
          <button type="button" aria-pressed={view === "schema"} onClick={() => setView("schema")}>
            Schema
          </button>
        </div>
      </div>
      <div className="fx-data-body" data-testid="data-items" data-total={total} data-matches={searching && matches ? matches.length : undefined}>
        {searching && matches && (
          <p className="fx-match-count" role="status" data-testid="match-count">
            {matches.length === 0
              ? `No items match “${query}”`
              : `${matches.length} of ${searched?.length ?? total} item${total === 1 ? "" : "s"} match “${query}”`}
            {capped && ` (searched the first ${SEARCH_LIMIT.toLocaleString("en")} of ${total.toLocaleString("en")})`}
          </p>
        )}
        {!source ? (
          <p className="fx-muted">This node has no ports.</p>
        ) : source.count === undefined ? (
          <p className="fx-muted">No items: the node has not produced output ({sourceResult?.status ?? "running"}).</p>
        ) : !rows ? (
          <p className="fx-muted">{searching ? "Searching…" : "Loading…"}</p>
        ) : !rows.length ? (
          searching ? null : <p className="fx-muted">No items.</p>
        ) : view === "table" ? (
          <Table rows={rows} origin={source.origin} />
        ) : view === "schema" ? (
          <SchemaView rows={rows} origin={source.origin} />
        ) : (
          <pre className="fx-json">{JSON.stringify(rows.map((r) => r.item), null, 2)}</pre>
        )}
      </div>
      {count > PAGE && (
        <nav className="fx-pager" aria-label="Pages">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            ‹ Previous
          </button>
          <span>
            {offset + 1}–{Math.min(offset + PAGE, count)} of {count}
            {searching && " matching"}
          </span>
          <button type="button" disabled={offset + PAGE >= count} onClick={() => setOffset(offset + PAGE)}>
            Next ›
          </button>
        </nav>
      )}
    </section>
  );
}
