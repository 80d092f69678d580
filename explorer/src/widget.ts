// What every widget provides to the explorer's router.

export interface Widget {
  /** The URL hash key, e.g. "graph" for #graph?…. */
  id: string;
  title: string;
  /** The navigation label. */
  short: string;
  /** Builds the widget inside `root` from the hash state; returns a cleanup (timers, listeners). */
  mount(root: HTMLElement, params: URLSearchParams): (() => void) | void;
}
