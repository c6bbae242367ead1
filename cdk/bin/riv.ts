#!/usr/bin/env node
import * as path from 'node:path';

import { App, Tags } from 'aws-cdk-lib';

import { stackProps } from '../lib/config';
import { RivStack } from '../lib/riv-stack';
import { loadRouting } from '../lib/routing';

// Compiled to build/bin/: routing.json is two levels up.
const routing = loadRouting(path.resolve(__dirname, '..', '..', 'routing.json'));
const app = new App();
for (const [id, envName] of [
  ['Riv-Prod', 'prod'],
  ['Riv-Dev', 'dev'],
] as const) {
  const stack = new RivStack(app, id, stackProps(app, envName, routing));
  Tags.of(stack).add('project', 'riv');
  Tags.of(stack).add('riv:env', envName);
}
