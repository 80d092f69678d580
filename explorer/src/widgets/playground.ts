import type { Widget } from "../widget.js";
export const playgroundWidget: Widget = { id: "playground", title: "playground", short: "playground", mount(root) { root.append("todo"); } };
