/**
 * tensorgrad/report: the figures and tables of the example experiments as plain data (SVG
 * strings, CSV and Markdown text), shared by the `tensorgrad` command and the browser
 * explorer. Nothing here touches the file system; `tensorgrad/report/node` saves a report.
 *
 * @example
 * import * as examples from "tensorgrad/examples";
 * import { lineFitReport, reportMarkdown } from "tensorgrad/report";
 * const report = lineFitReport(examples.lineFit({ x: [0, 1, 2], y: [1, 3, 5] }));
 * console.log(reportMarkdown(report));
 */
export type { Report, ReportFigure, MetricsTable, RunStatus, Cell } from "./types.js";
export { reportMarkdown, elideLines, reportJSON, tableCSV, reportTextFiles, figurePaths, tablePath, FIGURE_DIR, type TextFile } from "./files.js";
export { lineModelGraph, neuronGraph, graphFigure, lineModelDot, svgSize, type ScalarExample } from "./graph.js";
export { movingAverage, smoothingWindow, thinIndices, strideIndices, pick } from "./curves.js";
export {
  lineFitReport, lineFitFigures, lineFitDataFigure, lineFitSurfaceFigure, lineFitContourFigure, lineFitSnapshotsFigure, lineFitLossFigure,
  type Line, type LineFitFigureOpts, type LineFitReportOpts,
} from "./line-fit.js";
export { neuronReport, neuronGraphFigure, neuronBatchFigure, neuronTanhFigure, scalarVsMatrixFigure, neuronLineFigure, neuronLineLossFigure } from "./neuron.js";
export { quadrantReport, quadrantRegionsFigure, quadrantCurvesFigure, type LabelledPoints } from "./quadrant.js";
export { optimizerRaceReport, raceContourFigure, raceBowlLossFigure, raceMlpFigure, raceRegionsFigure, raceLandscapeFigure } from "./optimizer-race.js";
export { digitsReport, digitsCurvesFigure, digitsSamplesFigure, digitsConfusionFigure, type DigitSample } from "./digits.js";
export { depthReport, depthInputGradFigure, depthWeightGradFigure } from "./depth.js";
export { cnnReport, cnnCurvesFigure, cnnConfusionFigure, cnnFiltersFigure, cnnSamplesFigure, type MnistSample } from "./cnn.js";
export { charLmReport, charLmLossFigure, charLmScheduleFigure, charLmAttentionFigure, type CharLmReportInput } from "./char-lm.js";
// ---- splat ----
export { gaussiansReport, splatImageReport, splat3dReport } from "./splat.js";
export type { ReportImage, ReportText } from "./types.js";
