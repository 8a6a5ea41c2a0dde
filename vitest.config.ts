import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __NETNS_EXPLORER_VERSION__: JSON.stringify('test') },
  test: {
    include: ['test/**/*.test.ts'],
    // Integration and browser tests each run a real lab; keep them to a few at once.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
