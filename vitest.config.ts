import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/real/ needs wheels outside the repo: vitest.real.config.ts runs it.
    exclude: [...configDefaults.exclude, 'test/real/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests spawn pip; the machines have 2 cores.
    maxWorkers: 2,
  },
});
