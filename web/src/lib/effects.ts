// What a node does to the world (world.md "Effects"), as the canvas needs it: which nodes
// get a ▶ (write: run once, on request) or a ↻ (read: fetch again), and the host named by
// the engine's permission message.
import type { NodeType, WorkflowNode } from "./types";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A node's effect: its type's, or for `http` its method's (an expression counts as write). */
export function effectOf(node: WorkflowNode, type: NodeType | undefined): "none" | "read" | "write" {
  const effect = type?.effect ?? "none";
  if (effect !== "depends") return effect;
  const method = node.params?.method ?? "GET";
  return typeof method === "string" && READ_METHODS.has(method.toUpperCase()) ? "read" : "write";
}

// engine/nodefox/world.py check_net: "this workflow is not allowed to contact HOST: pass ..."
const NOT_ALLOWED = /this workflow is not allowed to contact (\S+?): pass --allow-net/;

/** The host a node's error says it was not allowed to contact, or null. */
export function deniedHost(message: string | undefined): string | null {
  return message?.match(NOT_ALLOWED)?.[1] ?? null;
}
