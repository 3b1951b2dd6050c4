import { defineConfig } from 'vitest/config';

// The tests that need files outside the repo (test/real/: real wheels, TPX_REAL_WHEELS), run apart
// from `npm test`; each file says how.
export default defineConfig({
  test: {
    include: ['test/real/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
