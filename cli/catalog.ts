// What the command knows about each experiment without loading the engine: its name, a
// one-line description, the `run` flags it uses, and how its progress is shown.

export type Flag = "steps" | "lr" | "seed" | "optimizer" | "image" | "gaussians" | "seconds" | "mu" | "sigma" | "cov";

export const FLAG_NAMES: Record<Flag, string> = {
  steps: "--steps", lr: "--lr", seed: "--seed", optimizer: "--optimizer",
  image: "--image", gaussians: "--gaussians", seconds: "--seconds", mu: "--mu", sigma: "--sigma", cov: "--cov",
};

export interface ExperimentInfo {
  name: string;
  description: string;
  /** The `run` flags it uses; others are refused. */
  flags: readonly Flag[];
  /** What the flags mean here when it is not obvious. */
  flagNote?: string;
  /** Progress shows an accuracy column. */
  accuracy: boolean;
  /** Reports progress step by step and can stop early on Ctrl-C. */
  stoppable: boolean;
  /** The largest --steps accepted (default {@link MAX_STEPS}): the run keeps every step's numbers. */
  maxSteps?: number;
}

/**
 * The largest --steps a run accepts unless its entry says otherwise. Runs record every step
 * (for the tables and curves), so the bound keeps memory bounded; it is checked before training.
 */
export const MAX_STEPS = 1_000_000;

export const CATALOG = [
  {
    name: "line-fit",
    description: "fit y = w·x + b to 20 noisy points by gradient descent (loss surface, path, snapshots)",
    flags: ["steps", "lr"],
    accuracy: false,
    stoppable: true,
  },
  {
    name: "neuron",
    description: "one tanh neuron: forward values, gradients by the chain rule and backward(), one SGD step; a linear neuron learning a line",
    flags: ["lr"],
    flagNote: "--lr is the tanh neuron's SGD step (default 0.1); the linear neuron uses lr 0.02, 500 epochs",
    accuracy: false,
    stoppable: false,
  },
  {
    name: "quadrant",
    description: "classify 2-D points by quadrant with an MLP 2 → 16 → 4 (decision regions, loss and accuracy)",
    flags: ["steps", "lr", "seed", "optimizer"],
    accuracy: true,
    stoppable: true,
  },
  {
    name: "optimizer-race",
    description: "SGD, momentum, Adam and AdamW on the bowl x² + 10y² and on the quadrant MLP (paths, loss curves)",
    flags: ["steps", "seed"],
    flagNote: "--steps sets both races (default 100 on the bowl, 300 on the MLP; at most 100000)",
    accuracy: true,
    stoppable: true,
    maxSteps: 100_000,
  },
  {
    name: "digits",
    description: "an MLP 64 → 128 → 10 on the 1797 8×8 handwritten digits (loss/accuracy per epoch, samples, confusion)",
    flags: ["steps", "lr", "seed"],
    flagNote: "--steps counts epochs (default 15, at most 10000)",
    accuracy: true,
    stoppable: true,
    maxSteps: 10_000,
  },
  {
    name: "cnn",
    description: "a small CNN (conv–ReLU–pool ×2, linear) on 8,000 MNIST digits, 2,000 held out (curves, confusion, filters, mistakes)",
    flags: ["steps", "lr", "seed"],
    flagNote: "--steps counts epochs (default 6)",
    accuracy: true,
    stoppable: true,
  },
  {
    name: "depth",
    description: "gradient norms through 50 ReLU layers: small, He and large init, with and without residual connections",
    flags: ["seed"],
    accuracy: false,
    stoppable: false,
  },
  {
    name: "char-lm",
    description: "a character-level GPT (nanoGPT's shakespeare_char) on the full Tiny Shakespeare: loss curves, samples, attention maps, a resumable checkpoint",
    flags: ["steps", "lr", "seed"],
    flagNote: "--steps = --max-iters (default 2000); every hyperparameter has a flag (--n-layer, --block-size, …), --preset baby, --resume <dir>",
    accuracy: false,
    stoppable: true,
  },
  {
    name: "gaussians",
    description: "an isotropic 2-D Gaussian with its contour rings and an anisotropic one with its principal axes",
    flags: ["mu", "sigma", "cov"],
    flagNote: "--mu x,y  --sigma s  --cov Σxx,Σxy,Σyy",
    accuracy: false,
    stoppable: false,
  },
  {
    name: "splat-image",
    description: "fit an image (default data/astronaut-256.png) with 2-D Gaussians by Adam (renders, error map, ellipses, PSNR over time)",
    flags: ["image", "gaussians", "steps", "seconds", "seed"],
    flagNote: "stops at --steps (default 100000) or --seconds (default 60), whichever comes first; --gaussians default 5000",
    accuracy: false,
    stoppable: true,
  },
  {
    name: "splat-3d",
    description: "3-D Gaussian splatting of a ray-cast scene from 40 known cameras (held-out views, PSNR, orbit APNG)",
    flags: ["gaussians", "steps", "seconds", "seed"],
    flagNote: "stops at --steps (default 100000) or --seconds (default 600); --gaussians sets the initial count (default 6000)",
    accuracy: false,
    stoppable: true,
  },
] as const satisfies readonly ExperimentInfo[];

export type ExperimentName = (typeof CATALOG)[number]["name"];

export const EXPERIMENT_NAMES: readonly ExperimentName[] = CATALOG.map((e) => e.name);

/** The catalog entry of `name` (commander has already refused other names). */
export function experimentInfo(name: ExperimentName): ExperimentInfo {
  return CATALOG.find((e) => e.name === name)!;
}
