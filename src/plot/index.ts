/**
 * tensorgrad/plot: headless charts rendered to SVG strings (browser and Node)
 * and to PNG in Node, plus computation-graph rendering. Everything takes plain
 * arrays, so the module does not depend on the tensor engine.
 *
 * @example
 * import { Figure, sampleGrid } from "tensorgrad/plot";
 * const fig = new Figure({ width: 520, height: 420, title: "Loss surface" });
 * fig.axes({ aspect: "equal" })
 *   .contour(sampleGrid((x, y) => x * x + 4 * y * y, [-2, 2], [-2, 2]), { colorbar: true })
 *   .path([1.8, 1.0, 0.4, 0.1], [1.5, -0.9, 0.5, -0.2], { label: "gd" });
 * await fig.save("/tmp/contour.png");
 */
export { Figure, type FigureOptions } from "./figure.js";
export { Axes, type Panel } from "./axes.js";
export { Axes3D, type Axes3DOptions, type SurfaceOptions, type Path3DOptions } from "./surface.js";
export { sampleGrid, contourLevels, isolines, isobands, gridExtent, type Grid, type IsoLine, type Band, type LevelSpacing } from "./contour.js";
export { PALETTE, paletteColor, colormap, type Colormap, type ColormapName } from "./color.js";
export { Scale, drawableRange, linearTicks, logTicks, niceStep, formatNumber, type Tick, type ScaleType } from "./scale.js";
export { svgToPNG, fontsAvailable, readPNGSize, PNG_SIGNATURE, type PNGOptions } from "./raster.js";
export type {
  AxesOptions, LineOptions, ScatterOptions, ResidualOptions, PathOptions, ContourOptions, HeatmapOptions,
  BarSeries, BarOptions, TextOptions, RefLineOptions, LegendLocation, MarkerShape, Dash, Box,
} from "./types.js";
export {
  toDot, formatShape, formatValue, edgeGradients, edgeGradLabel,
  type GraphNode, type GraphEdge, type GraphData, type GraphRenderOptions,
} from "./graph.js";
// the renderers import graph.ts's labelling helpers, so they are exported from here, not through graph.ts
export { renderGraphSVG, renderGraphPNG, MAX_GRAPH_WIDTH } from "./graph-svg.js";
export { layeredLayout, assignLayers, type LayoutInput, type LayoutResult, type LayoutNode, type LayoutOptions } from "./graph-layout.js";
export {
  functionWithDerivative, tanhFigure, nonConvexFigure, nonConvexLoss, sampledMinima, scalarVsMatrixDiagram,
  type FunctionPlotOptions, type LandscapeOptions, type Diagram,
} from "./diagrams.js";
