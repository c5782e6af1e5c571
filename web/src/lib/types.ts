// The workflow document (docs/workflow-format.md) and the engine's answers (docs/protocol.md).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Item = { [key: string]: Json };

export type WorkflowNode = {
  id: string;
  type: string;
  name?: string;
  params?: { [key: string]: Json };
  position?: [number, number];
  disabled?: boolean;
  onError?: "stop" | "continue" | "errorOutput";
  pinned?: Item[];
  notes?: string;
};

export type WorkflowEdge = {
  id?: string;
  source: string;
  sourcePort?: string;
  target: string;
  targetPort?: string;
};

export type Workflow = {
  nodefox: 1;
  name?: string;
  settings?: { [key: string]: Json };
  variables?: { [key: string]: Json };
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
  [key: string]: unknown;
};

export type Schema = {
  type?: string | string[];
  properties?: { [key: string]: Schema };
  items?: Schema;
  required?: string[];
  enum?: Json[];
  default?: Json;
  description?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  additionalProperties?: boolean | Schema;
};

export type NodeType = {
  type: string;
  title: string;
  category: string;
  description: string;
  inputs: string[];
  outputs: string[];
  dynamicOutputs: "rules" | null;
  runsOnEmpty: boolean;
  schema: Schema;
  effect?: "none" | "read" | "write" | "depends"; // world.md: "depends" on the params (http's method)
};

export type Catalogue = { version: string; nodes: NodeType[]; functions?: { name: string; signature: string; description: string }[] };

export type NodeError = { message: string; item?: number; path?: string; expression?: string };

export type NodeStatus = "ok" | "error" | "skipped" | "blocked" | "idle" | "disabled" | "pinned" | "stale" | "running" | "waiting";

export type NodeResult = {
  status: NodeStatus;
  counts?: { [port: string]: number };
  preview?: { [port: string]: Item[] };
  error?: NodeError;
  warnings?: string[];
  ms?: number;
  reused?: boolean;
};

export type Answer = {
  rev: number | null;
  error?: string;
  nodes?: { [id: string]: NodeResult };
  removed?: string[];
  rejected?: { index: number; reason: string }[];
  stats?: { ms: number; ran: number; reused: number };
  page?: { id: string; port: string; offset: number; total: number; items: Item[] };
  workflow?: Workflow;
  evaluated?: Evaluated;
  executed?: { id: string; status: NodeStatus; items?: number; error?: NodeError }; // op execute (world.md)
};

export type Op = { op: string; [key: string]: unknown };

export type Evaluated = { value?: Json; error?: NodeError };
