// The data panel: the selected node's input and output items per port, as a table or
// as JSON, paged through `inspect`, with counts and the node's run time.
import { memo, useDeferredValue, useEffect, useMemo, useState } from "react";
import { useEditor, useEditorApi } from "../hooks";
import { inputPorts, outputPorts, resolveEdge } from "../lib/graph";
import type { Item, Json } from "../lib/types";
import { PortDownload } from "./PortDownload";

const PAGE = 50;

type Source = { key: string; label: string; id: string; port: string; count: number | undefined };

function cell(value: Json | undefined): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Drawn again only when its page changes (not on every keystroke elsewhere). */
const Table = memo(function Table({ items, offset }: { items: Item[]; offset: number }) {
  const columns = useMemo(() => {
    const seen = new Set<string>();
    for (const item of items) for (const key of Object.keys(item)) seen.add(key);
    return [...seen];
  }, [items]);
  if (!items.length) return <p className="fx-muted">No items.</p>;
  return (
    <table className="fx-table">
      <thead>
        <tr>
          <th scope="col">#</th>
          {columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {items.map((item, i) => (
          <tr key={i}>
            <td className="fx-muted">{offset + i}</td>
            {columns.map((c) => (
              <td key={c}>{cell(item[c])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
});

export function DataPanel() {
  const api = useEditorApi();
  // deferred: a keystroke's own render and the canvas's counts come first, the panel in a
  // later, interruptible render
  const doc = useDeferredValue(useEditor((s) => s.doc));
  const types = useEditor((s) => s.types);
  const results = useDeferredValue(useEditor((s) => s.results));
  const selectedId = useEditor((s) => (s.selected.length === 1 ? s.selected[0] : null));
  const node = doc.nodes.find((n) => n.id === selectedId);
  const [view, setView] = useState<"table" | "json">("table");
  const [chosen, setChosen] = useState("");
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ key: string; items: Item[]; total: number } | null>(null);
  const result = node ? results[node.id] : undefined;

  const sources: Source[] = useMemo(() => {
    if (!node) return [];
    const nameOf = (id: string) => {
      const other = doc.nodes.find((n) => n.id === id);
      return other ? other.name || other.id : id;
    };
    const outputPortsOf = (id: string) => {
      const other = doc.nodes.find((n) => n.id === id);
      return other ? outputPorts(other, types) : [];
    };
    const inputs = inputPorts(node, types).flatMap((port) =>
      doc.edges
        .map((e) => resolveEdge(e, doc, types))
        .filter((e) => e.target === node.id && e.targetPort === port)
        .map((e) => ({
          key: `${node.id}:in:${e.id}`,
          label: `Input${inputPorts(node, types).length > 1 ? ` ${port}` : ""} ← ${nameOf(e.source)}${
            outputPortsOf(e.source).length > 1 ? ` (${e.sourcePort})` : ""
          }`,
          id: e.source,
          port: e.sourcePort,
          count: results[e.source]?.counts?.[e.sourcePort],
        })),
    );
    const outputs = outputPorts(node, types).map((port) => ({
      key: `${node.id}:out:${port}`,
      label: outputPorts(node, types).length > 1 ? `Output ${port}` : "Output",
      id: node.id,
      port,
      count: result?.counts?.[port],
    }));
    return [...inputs, ...outputs];
  }, [node, doc, types, results, result]);

  const source = sources.find((s) => s.key === chosen) ?? sources.find((s) => s.key.startsWith(`${node?.id}:out:`)) ?? sources[0];
  const sourceResult = source ? results[source.id] : undefined;

  useEffect(() => setOffset(0), [source?.key]);
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
    let current = true;
    void api
      .getState()
      .inspect(source.id, source.port, offset, PAGE)
      .then((p) => current && p && setPage({ key: `${source.key}:${offset}`, items: p.items, total: p.total }));
    return () => {
      current = false;
    };
  }, [api, source?.key, source?.id, source?.port, source?.count, sourceResult, offset]);

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
  return (
    <section className="fx-data" data-testid="data-panel" data-node={node.id} aria-label="Data">
      <div className="fx-data-bar">
        <div role="tablist" aria-label="Ports">
          {sources.map((s) => (
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
        <span className="fx-muted">
          {result?.status ?? "running"}
          {result?.ms !== undefined && ` · ${result.ms.toFixed(2)} ms`}
        </span>
        {source && source.count !== undefined && <PortDownload id={source.id} port={source.port} name={doc.nodes.find((n) => n.id === source.id)?.name ?? source.id} />}
        <div role="group" aria-label="View">
          <button type="button" aria-pressed={view === "table"} onClick={() => setView("table")}>
            Table
          </button>
          <button type="button" aria-pressed={view === "json"} onClick={() => setView("json")}>
            JSON
          </button>
        </div>
      </div>
      <div className="fx-data-body" data-testid="data-items" data-total={total}>
        {!source ? (
          <p className="fx-muted">This node has no ports.</p>
        ) : source.count === undefined ? (
          <p className="fx-muted">No items: the node has not produced output ({sourceResult?.status ?? "running"}).</p>
        ) : !shown ? (
          <p className="fx-muted">Loading…</p>
        ) : view === "table" ? (
          <Table items={shown.items} offset={offset} />
        ) : (
          <pre className="fx-json">{JSON.stringify(shown.items, null, 2)}</pre>
        )}
      </div>
      {total > PAGE && (
        <nav className="fx-pager" aria-label="Pages">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            ‹ Previous
          </button>
          <span>
            {offset + 1}–{Math.min(offset + PAGE, total)} of {total}
          </span>
          <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
            Next ›
          </button>
        </nav>
      )}
    </section>
  );
}
