// Node types for the tests: a type with the given ports and an empty schema.
import type { NodeType } from "./types";

export const nodeType = (type: string, inputs: string[], outputs: string[], extra: Partial<NodeType> = {}): NodeType => ({
  type,
  title: type,
  category: "test",
  description: "",
  inputs,
  outputs,
  dynamicOutputs: null,
  runsOnEmpty: false,
  schema: { type: "object", properties: {} },
  ...extra,
});
