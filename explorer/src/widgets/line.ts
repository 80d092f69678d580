import type { Widget } from "../widget.js";
export const lineWidget: Widget = { id: "line", title: "line", short: "line", mount(root) { root.append("todo"); } };
