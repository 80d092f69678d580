import type { Widget } from "../widget.js";
export const mlpWidget: Widget = { id: "mlp", title: "mlp", short: "mlp", mount(root) { root.append("todo"); } };
