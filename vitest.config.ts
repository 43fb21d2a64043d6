import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{bridge,drivers,streams,hil-tests}/**/*.test.ts'],
    // Native addons and ptys are safer in child processes than in worker threads.
    pool: 'forks',
    setupFiles: ['streams/test-support/fast-check-setup.ts'],
    // Safety nets only: tests wait on events, never on these.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
