import type { Widget } from "../widget.js";
export const raceWidget: Widget = { id: "race", title: "race", short: "race", mount(root) { root.append("todo"); } };
