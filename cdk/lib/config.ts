import * as path from 'node:path';

import { App, Duration } from 'aws-cdk-lib';

import { RoutingArtifact } from './routing';
import { RivStackProps } from './riv-stack';

/** The per-environment defaults; each can be overridden with context (docs/deploy.md). */
const DEFAULTS: Record<string, { retainData: boolean; requestObjectExpiryDays: number }> = {
  prod: { retainData: true, requestObjectExpiryDays: 0 },
  dev: { retainData: false, requestObjectExpiryDays: 0 },
};

/**
 * The stack's props from context: `<env>:<key>` first, then `<key>`, then the
 * default. Context given on the command line arrives as text; `pipelineConfig`
 * may also be an object in `cdk.json`.
 */
export function stackProps(app: App, envName: string, routing: RoutingArtifact): RivStackProps {
  const defaults = DEFAULTS[envName];
  if (defaults === undefined) {
    throw new Error(`unknown environment ${envName}`);
  }
  const get = (key: string): unknown => app.node.tryGetContext(`${envName}:${key}`) ?? app.node.tryGetContext(key);
  const count = (key: string, fallback: number, min: number): number => {
    const raw = get(key);
    if (raw === undefined) {
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`context ${key} must be an integer of at least ${min}, not ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const raw = get(key);
    if (raw === undefined) {
      return fallback;
    }
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw new Error(`context ${key} must be true or false, not ${JSON.stringify(raw)}`);
  };
  const jsonObject = (key: string): string | undefined => {
    const raw = get(key);
    if (raw === undefined) {
      return undefined;
    }
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        value = undefined;
      }
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`context ${key} must be a JSON object, not ${JSON.stringify(raw)}`);
    }
    return JSON.stringify(value);
  };
  const lambdaDir = get('lambdaDir');
  return {
    envName,
    routing,
    lambdaDir: path.resolve(typeof lambdaDir === 'string' ? lambdaDir : '../target/lambda'),
    retainData: flag('retainData', defaults.retainData),
    maxReceiveCount: count('maxReceiveCount', 5, 1),
    stageTimeout: Duration.seconds(count('stageTimeoutSeconds', 60, 1)),
    stageMemoryMb: count('stageMemoryMb', 1024, 128),
    oldestMessageAlarmAge: Duration.seconds(count('oldestMessageAlarmSeconds', 900, 60)),
    requestObjectExpiryDays: count('requestObjectExpiryDays', defaults.requestObjectExpiryDays, 0),
    pipelineConfig: jsonObject('pipelineConfig'),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  };
}
