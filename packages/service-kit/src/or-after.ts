/**
 * `work`'s outcome, or, when it has not settled within `ms`, what `late` gives (its value, or
 * its error when it throws). `work` goes on either way; the timer goes when either settles.
 */
export function orAfter<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((resolve, reject) => {
    timer = setTimeout(
      () => {
        try {
          resolve(late());
        } catch (err) {
          reject(err);
        }
      },
      Math.max(0, ms),
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
