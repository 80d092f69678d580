// The computation-graph data shared by `trace` (which records it) and `tensorgrad/plot`'s graph
// renderer and the explorer (which draw it). Types only: importing them loads no code.

export interface GraphNode {
  id: string;
  kind: "input" | "param" | "op" | "output";
  label: string;
  /** Operation name for op/output nodes, e.g. "mul". */
  op?: string;
  shape: number[];
  dtype: string;
  /** Values and gradients are included when the tensor is small. */
  value?: number[] | number;
  grad?: number[] | number;
  /** The VJP rule, e.g. "ā = ḡ·b, b̄ = ḡ·a". */
  formula?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Position of `from` among the arguments of `to`. */
  argIndex: number;
}

export interface GraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
}
