/**
 * Ctrl-C on a long run: the first one asks it to stop early and still report what it has (and
 * clean up its rig), the second quits at once. `dispose` restores Node's default handling.
 */
export function interruptible(whatHappensNext: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${name} again: quitting without a report\n`);
      process.exit(130);
    }
    process.stderr.write(`\n${name}: ${whatHappensNext} (Ctrl-C again to quit at once)\n`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The exit code of a run stopped by a signal, as a shell reports one killed by SIGINT. */
export const INTERRUPTED_EXIT = 130;
