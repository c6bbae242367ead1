#!/usr/bin/env node
// Writes stand-in Lambda artefacts into the directory given, so the app can be
// synthesized offline before the real ones are built (docs/deploy.md).
import * as path from 'node:path';

import { writePlaceholderLambdas } from '../lib/placeholders';
import { loadRouting } from '../lib/routing';

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: placeholder-lambdas DIR');
  process.exit(2);
}
writePlaceholderLambdas(dir, loadRouting(path.resolve(__dirname, '..', '..', 'routing.json')).stages);
