import { stat } from 'node:fs/promises';
import { Observable } from 'rxjs';

export interface DevicePresenceOptions {
  /** How often the path is looked at (default 250 ms). */
  intervalMs?: number;
}

/** What the path pointed at when the watch began: a vanished or replaced device differs. */
type Identity = { dev: number; ino: number; rdev: number };

const identity = (path: string): Promise<Identity | undefined> =>
  stat(path).then(
    (s) => ({ dev: s.dev, ino: s.ino, rdev: s.rdev }),
    () => undefined,
  );

/**
 * Emits once (then completes) when `path` no longer leads to the device it led to at
 * subscription: removed (USB unplugged, hub dead, board browned out) or replaced by another
 * device under the same name (re-enumerated). A pulled cable often makes no read or write
 * fail, and an open fd can outlive its device node, so the path itself is watched. A symlink
 * (/dev/serial/by-id/...) is followed. Never errors.
 */
export function watchDevicePresence(path: string, options: DevicePresenceOptions = {}): Observable<string> {
  const intervalMs = options.intervalMs ?? 250;
  return new Observable<string>((subscriber) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const look = async (first: Identity | undefined): Promise<void> => {
      const now = await identity(path);
      if (stopped) return;
      if (!now || !first) {
        subscriber.next(`${path} is gone`);
        return subscriber.complete();
      }
      if (now.rdev !== first.rdev || now.ino !== first.ino || now.dev !== first.dev) {
        subscriber.next(`${path} now leads to another device`);
        return subscriber.complete();
      }
      timer = setTimeout(() => void look(first), intervalMs);
    };
    void identity(path).then((first) => {
      if (!stopped) timer = setTimeout(() => void look(first), intervalMs);
    });
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  });
}
