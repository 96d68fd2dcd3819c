// A queue for work that must not interleave within one worker life (across lives, what is
// stored guards): each call starts after every earlier one has settled, failed or not.

/**
 * A function that runs `work` after all the work given to it before.
 * @returns {<T>(work: () => T | Promise<T>) => Promise<T>}
 */
export function oneAtATime() {
  /** @type {Promise<unknown>} */
  let queue = Promise.resolve();
  return (work) => {
    const run = queue.then(work, work);
    queue = run.catch(() => {});
    return run;
  };
}
