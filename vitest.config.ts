import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{bridge,drivers,streams,hil-tests,bench}/**/*.test.ts'],
    // Native addons and ptys are safer in child processes than in worker threads.
    pool: 'forks',
    // Vitest leaves one core free by default: on a 2-core machine that runs the files one by
    // one, most of them waiting on ptys, brokers and timers rather than computing.
    maxWorkers: Math.max(2, availableParallelism()),
    minWorkers: 1,
    setupFiles: ['streams/test-support/fast-check-setup.ts'],
    // Safety nets only: tests wait on events, never on these.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
