import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a stand-in `bootstrap` for every stage under `dir`, so the app can be
 * synthesized and tested before the real Lambda artefacts are built (they come
 * from the Rust build of the Lambda binaries, see docs/deploy.md). A stand-in
 * that got deployed by mistake fails every invocation loudly.
 */
export function writePlaceholderLambdas(dir: string, stages: readonly string[]): void {
  for (const stage of stages) {
    const stageDir = path.join(dir, stage);
    fs.mkdirSync(stageDir, { recursive: true });
    fs.writeFileSync(
      path.join(stageDir, 'bootstrap'),
      `#!/bin/sh\necho "riv ${stage}: placeholder bootstrap; build the Lambda artefacts and deploy again" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
  }
}
