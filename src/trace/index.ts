export { trace, type GraphData, type GraphNode, type GraphEdge, type TraceOpts } from "./trace.js";
export { VJP_FORMULAS } from "./formulas.js";
