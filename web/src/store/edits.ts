// The edits slice: the document on the canvas, the selection, and every edit as named
// actions. An edit is applied to the page's copy at once (one undo step), sent to the engine
// as live ops, and taken back when the engine refuses it.
import {
  defaultParams,
  freshEdgeId,
  freshId,
  freshName,
  inputPorts,
  outputPorts,
  pasteable,
  shapeProblem,
  subWorkflow,
} from "../lib/graph";
import { applyOps, changesDocument } from "../lib/ops";
import type { Op, Workflow } from "../lib/types";
import type { CodeGate } from "./consent";
import type { Recorder } from "./history";
import type { Kit } from "./kit";
import type { EditsSlice } from "./types";

export function editsSlice({ set, get, send, edgeId }: Kit, record: Recorder, gate: CodeGate, initial: Workflow): EditsSlice {
  return {
    doc: initial,
    selected: [],

    async edit(ops, options = {}) {
      const { doc: before, past, future } = get();
      const documentOps = ops.filter(changesDocument);
      if (documentOps.length) record.commit(applyOps(before, documentOps, edgeId), before, options.merge);
      const edited = get();
      const renames = ops.some((op) => op.op === "update_node" && op.set && "name" in (op.set as object));
      const answer = await send(renames ? [...ops, { op: "export" }] : ops);
      if ((!answer || answer.error) && documentOps.length) await get().resync(); // no word on the edit
      if (answer?.rejected?.length && documentOps.length) {
        if (!answer.workflow) await get().resync(); // take the engine's document back
        // every document op refused and the engine's document taken back: the edit never
        // happened, so it leaves no undo step and keeps the redo steps (unless newer edits came)
        const refused = new Set(answer.rejected.map((r) => r.index));
        const none = ops.every((op, i) => !changesDocument(op) || refused.has(i));
        if (none && get().past === edited.past && get().doc !== edited.doc) {
          set({ past, future });
          record.cut(); // the next keystroke must not merge into a step that is gone
        }
      }
      return answer;
    },

    setParam(id, path, value) {
      const op: Op = value === undefined ? { op: "patch_params", id, path } : { op: "patch_params", id, path, value };
      return get().edit([op], { merge: `param:${id}:${path}` });
    },

    renameNode(id, name) {
      return get().edit([{ op: "update_node", id, set: { name } }]);
    },

    setNodeSettings(id, settings, merge) {
      return get().edit([{ op: "update_node", id, set: settings }], { merge });
    },

    connect(edge) {
      return get().edit([{ op: "connect", edge: { id: freshEdgeId(get().doc), ...edge } }]);
    },

    disconnect(edgeId) {
      return get().edit([{ op: "disconnect", id: edgeId }]);
    },

    remove(nodeIds, edgeIds = []) {
      const gone = new Set(nodeIds);
      const doc = get().doc;
      // an edge of a removed node goes with it: disconnecting it too would be refused
      const cut = edgeIds.filter((id) => {
        const edge = doc.edges.find((e) => edgeId(e, doc) === id);
        return edge && !gone.has(edge.source) && !gone.has(edge.target);
      });
      const ops: Op[] = [...cut.map((id) => ({ op: "disconnect", id })), ...nodeIds.map((id) => ({ op: "remove_node", id }))];
      return ops.length ? get().edit(ops) : Promise.resolve(null);
    },

    move(positions) {
      // moves of the same nodes in a row (arrow keys held, a drag refined) are one undo step
      const ids = Object.keys(positions);
      const merge = `move:${[...ids].sort().join(",")}`;
      return get().edit(ids.map((id) => ({ op: "move", id, position: positions[id] })), { merge });
    },

    pin(id, items, merge = false) {
      return get().edit([{ op: "pin", id, items }], merge ? { merge: `pin:${id}` } : {});
    },

    unpin(id) {
      return get().edit([{ op: "unpin", id }]);
    },

    renameWorkflow(name) {
      // its own op: only nodes reading `$workflow` re-run
      return get().edit([{ op: "set_name", name }], { merge: "workflow-name" });
    },

    async addNode(typeName, position) {
      const { doc, types, selected } = get();
      const type = types.get(typeName);
      if (!type) return null;
      const id = freshId(doc.nodes.map((n) => n.id));
      const after = selected.length === 1 ? doc.nodes.find((n) => n.id === selected[0]) : undefined;
      const rightmost = doc.nodes.reduce((x, n) => Math.max(x, (n.position ?? [0, 0])[0] + 260), 0);
      const [ax, ay] = after?.position ?? [0, 0];
      const at = position ?? (after ? [ax + 260, ay] : [rightmost, 0]);
      const node = {
        id,
        type: typeName,
        name: freshName(doc, type.title),
        position: [Math.round(at[0]), Math.round(at[1])] as [number, number],
        params: defaultParams(type),
      };
      const ops: Op[] = [{ op: "add_node", node }];
      // added next to the selection: wired to it, as n8n does
      if (!position && after && outputPorts(after, types).length && type.inputs.length) {
        const edge = { source: after.id, sourcePort: outputPorts(after, types)[0], target: id, targetPort: inputPorts(node, types)[0] };
        ops.push({ op: "connect", edge: { id: freshEdgeId(doc), ...edge } });
      }
      set({ selected: [id] });
      await get().edit(ops);
      return id;
    },

    copy(ids) {
      return JSON.stringify(subWorkflow(get().doc, new Set(ids)), null, 2);
    },

    async paste(text, offset = [40, 40]) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return false; // not ours: the clipboard holds something else
      }
      if (shapeProblem(value)) return false;
      const part = pasteable(get().doc, value as Workflow, offset);
      if (!part.nodes.length) return false;
      const ops: Op[] = [
        ...part.nodes.map((node) => ({ op: "add_node", node })),
        ...part.edges.map((edge) => ({ op: "connect", edge })),
      ];
      set({ selected: part.nodes.map((n) => n.id) });
      if (part.nodes.some((n) => n.type === "code") && gate.runs() !== false) {
        const { doc } = get();
        void gate.consentFor({ ...doc, nodes: [...doc.nodes, ...part.nodes] }, "the clipboard", false);
      }
      await get().edit(ops);
      return true;
    },

    select(ids) {
      const current = get().selected;
      if (ids.length === current.length && ids.every((id, i) => id === current[i])) return;
      set({ selected: ids });
    },
  };
}
