import type { Daemon } from '../daemon/daemon.js';
import { CUT_PROFILES, type CutProfile } from '../session/cut-profile.js';
import { runPowerAction, type PowerAction } from '../strategies/power-action.js';
import type { ControlHandler } from './control-server.js';

const ACTIONS: PowerAction[] = ['cut', 'on', 'cycle'];

/** The control socket's requests, one handler each. */
export function controlHandlers(daemon: Daemon): Record<string, ControlHandler> {
  const busy = new Set<string>();
  return {
    async boards(_request, reply) {
      reply.done(
        [...daemon.boards].map(([name, b]) => ({
          name,
          port: b.config.port,
          link: b.config.link,
          cutProfile: b.config.cutProfile,
          power: b.power.description,
          clients: b.clients().map((c) => c.clientId),
        })),
      );
    },

    async power(request, reply) {
      const { board: name, action, profile, offMs } = request as { board?: unknown; action?: unknown; profile?: unknown; offMs?: unknown };
      if (typeof name !== 'string' || !daemon.boards.has(name)) return reply.fail(`no board named ${JSON.stringify(name)}; this bridge has ${[...daemon.boards.keys()].join(', ')}`, true);
      if (!ACTIONS.includes(action as PowerAction)) return reply.fail(`action must be one of ${ACTIONS.join(', ')}, got ${JSON.stringify(action)}`, true);
      if (profile !== undefined && !CUT_PROFILES.includes(profile as CutProfile)) return reply.fail(`profile must be one of ${CUT_PROFILES.join(', ')}, got ${JSON.stringify(profile)}`, true);
      if (offMs !== undefined && (typeof offMs !== 'number' || !(offMs >= 0))) return reply.fail(`offMs must be a number >= 0, got ${JSON.stringify(offMs)}`, true);
      if (busy.has(name)) return reply.fail(`a power action is already running on ${name}`);
      busy.add(name);
      try {
        const timeline = await runPowerAction(name, daemon.boards.get(name) as NonNullable<ReturnType<typeof daemon.boards.get>>, action as PowerAction, { profile: profile as CutProfile | undefined, offMs: offMs as number | undefined, signal: reply.signal }, (step) => reply.progress(step));
        reply.done(timeline);
      } finally {
        busy.delete(name);
      }
    },
  };
}
