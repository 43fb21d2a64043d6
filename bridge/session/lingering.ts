import type { BoardConnection } from './board-connection.js';
import type { CutProfile } from './cut-profile.js';

/**
 * Cuts board connections, and keeps those a silent cut leaves half-open until the broker gives
 * up on them, so a stopping bridge can end them: without it they would outlive the session.
 */
export type Cutter = ReturnType<typeof createCutter>;

export function createCutter() {
  const lingering = new Set<BoardConnection>();
  return {
    cut(connection: BoardConnection, detail: string, profile: CutProfile): void {
      connection.close(detail, profile);
      if (profile !== 'silent') return;
      lingering.add(connection);
      void connection.released.then(() => lingering.delete(connection));
    },
    get lingering(): number {
      return lingering.size;
    },
    releaseAll(detail: string): void {
      for (const c of lingering) c.release(detail);
      lingering.clear();
    },
  };
}
