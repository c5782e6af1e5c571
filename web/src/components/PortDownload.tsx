// The data panel's downloads (world.md "Files"): every item of a port, fetched page by
// page with `inspect`, as CSV or JSON written the way write_file writes them.
import { useState } from "react";
import { useEditorApi } from "../hooks";
import { downloadBytes, itemsToCsv, itemsToJson } from "../lib/download";
import type { Item } from "../lib/types";

const PAGE = 1000;

export function PortDownload({ id, port, name }: { id: string; port: string; name: string }) {
  const api = useEditorApi();
  const [busy, setBusy] = useState(false);
  const fetchAll = async (): Promise<Item[] | null> => {
    const items: Item[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await api.getState().inspect(id, port, offset, PAGE);
      if (!page) return null;
      items.push(...page.items);
      if (offset + PAGE >= page.total) return items;
    }
  };
  const save = async (format: "csv" | "json") => {
    setBusy(true);
    try {
      const items = await fetchAll();
      if (!items) return api.getState().notify("error", `Cannot download ${name}.${port}`, ["the engine did not answer"]);
      const base = `${name}-${port}`.replace(/[^\w.-]+/g, "-");
      if (format === "csv") downloadBytes(`${base}.csv`, itemsToCsv(items), "text/csv");
      else downloadBytes(`${base}.json`, itemsToJson(items), "application/json");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div role="group" aria-label="Download the port's items">
      <button type="button" disabled={busy} data-testid="download-csv" onClick={() => void save("csv")} title="Download every item of this port as CSV">
        ⤓ CSV
      </button>
      <button type="button" disabled={busy} data-testid="download-json" onClick={() => void save("json")} title="Download every item of this port as JSON">
        ⤓ JSON
      </button>
    </div>
  );
}
