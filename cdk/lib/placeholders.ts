import * as fs from 'node:fs';
import * as path from 'node:path';

import { lambdaArtefacts } from './artefacts';

/**
 * Writes a stand-in `bootstrap` for every stage and for the dead-letter
 * function under `dir`, so the app can be synthesized and tested before the
 * real Lambda artefacts are built (they come from the Rust build of the
 * Lambda binaries, see docs/deploy.md). A stand-in that got deployed by
 * mistake fails every invocation loudly.
 */
export function writePlaceholderLambdas(dir: string, stages: readonly string[]): void {
  for (const name of lambdaArtefacts(stages)) {
    const functionDir = path.join(dir, name);
    fs.mkdirSync(functionDir, { recursive: true });
    fs.writeFileSync(
      path.join(functionDir, 'bootstrap'),
      `#!/bin/sh\necho "riv ${name}: placeholder bootstrap; build the Lambda artefacts and deploy again" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
  }
}
