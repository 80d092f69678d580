// The per-step hook the training experiments share: it sees every step's numbers (to draw a
// progress bar or log) and can stop the run, which then returns what was computed so far.

/** One training step's numbers, as passed to an experiment's `onStep` hook. */
export interface TrainingStep {
  /** Steps done so far, from 1. */
  step: number;
  /** Steps the run would take if not stopped. */
  total: number;
  loss: number;
  /** Mini-batch accuracy, for the classifiers. */
  accuracy?: number;
}

/**
 * Called after every training step. Returning `false` stops training there: the experiment
 * then returns a result for the steps done (with `stoppedEarly: true`).
 */
export type OnStep = (info: TrainingStep) => boolean | void;
