// vitest globalSetup: runs once per `vitest run`, before any test file.
import { existsSync } from 'node:fs';
import { buildWheels, tpxJs, wheelsDir } from './fixtures.js';

export default async function setup(): Promise<void> {
  // Incremental: only fixtures changed since their wheel was built are rebuilt.
  buildWheels(wheelsDir);

  // Only warn: the harness's own tests don't need the CLI, and world.run() throws a
  // clear "run npm run build" error for every test that does.
  if (!existsSync(tpxJs)) {
    console.warn(
      `\n[tpx tests] ${tpxJs} does not exist: tests that run tpx will fail. Build it with \`npm run build\` (\`npm test\` does).\n`,
    );
  }
}
