// Assertions over the synthesized stacks. The Lambda code is a stand-in
// `bootstrap` per stage (and for the dead-letter function) written to a
// temporary directory here: the real artefacts come from the Rust build of
// the Lambda binaries (docs/deploy.md).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { DEAD_LETTER_FUNCTION } from '../lib/artefacts';
import { stackProps } from '../lib/config';
import { writePlaceholderLambdas } from '../lib/placeholders';
import {
  ACTIONS_WITHOUT_RESOURCES,
  COLLECTION_NEEDS,
  DEAD_LETTER_NEEDS,
  EVENT_SOURCE,
  FACES_BY_USER_INDEX,
  IMAGE_READING_ACTIONS,
  Need,
  RivStack,
  STAGE_NEEDS,
} from '../lib/riv-stack';
import { edgeId, loadRouting } from '../lib/routing';

// Compiled to build/test/: the cdk directory is two levels up.
const root = path.resolve(__dirname, '..', '..');
const routing = loadRouting(path.join(root, 'routing.json'));
const cdkContext = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')).context;
const lambdaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riv-lambda-'));
writePlaceholderLambdas(lambdaDir, routing.stages);

type Resource = { Type: string; Properties?: any; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Construct = { node: { defaultChild?: unknown } };

function synth(id: string, envName: string, context: Record<string, unknown> = {}) {
  const app = new App({
    context: { ...cdkContext, lambdaDir, ...context },
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'riv-cdk-out-')),
  });
  const stack = new RivStack(app, id, stackProps(app, envName, routing));
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const logicalId = (construct: Construct) => stack.getLogicalId(construct.node.defaultChild as never);
  const properties = (construct: Construct) => resources[logicalId(construct)].Properties;
  /** Every statement of the one policy attached to a function's role. */
  const policyOf = (fn: Construct): Statement[] => {
    const role = properties(fn).Role['Fn::GetAtt'][0];
    const policies = ofType('AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === role));
    assert.equal(policies.length, 1, `policies of ${logicalId(fn)}`);
    return policies[0][1].Properties.PolicyDocument.Statement;
  };
  /** Each function: every stage's by name, and the dead-letter function. */
  const functions = (): [string, Construct][] => [
    ...routing.stages.map((stage): [string, Construct] => [stage, stack.stages[stage].function]),
    [DEAD_LETTER_FUNCTION, stack.deadLetters.function],
  ];
  return { stack, template, resources, ofType, logicalId, properties, policyOf, functions };
}

const dev = synth('Riv-Dev', 'dev');
const prod = synth('Riv-Prod', 'prod');

/** Logical ids a value refers to through Ref or Fn::GetAtt, anywhere inside it. */
function refs(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((v) => refs(v, into));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) into.add(v);
      else if (k === 'Fn::GetAtt' && Array.isArray(v)) into.add(v[0]);
      else refs(v, into);
    }
  }
  return into;
}

function actionsOf(statement: Statement): string[] {
  return ([] as string[]).concat(statement.Action);
}

function resourcesOf(statement: Statement): unknown[] {
  return ([] as unknown[]).concat(statement.Resource);
}

/** Whether a policy action (`s3:GetObject*`) covers `action` (`s3:GetObject`). */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(action);
}

/** Whether some Allow statement grants `action` on a resource `matches` accepts. */
function allows(statements: Statement[], action: string, matches: (resource: unknown) => boolean): boolean {
  return statements.some(
    (st) => st.Effect === 'Allow' && actionsOf(st).some((a) => covers(a, action)) && resourcesOf(st).some(matches),
  );
}

/** Matches an ARN built from a logical id's `Arn` plus a suffix (`/requests/*`, `/index/*`). */
function arnWithSuffix(id: string, suffix: string): (resource: unknown) => boolean {
  return (resource) => refs(resource).has(id) && JSON.stringify(resource).includes(`"${suffix}"`);
}

function isArnOf(id: string): (resource: unknown) => boolean {
  return (resource) => JSON.stringify(resource) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });
}

/** Every statement of every resource policy in the template. */
function resourcePolicyStatements(s: typeof dev): { id: string; statement: any }[] {
  const out: { id: string; statement: any }[] = [];
  const documents: [string, string][] = [
    ['AWS::S3::BucketPolicy', 'PolicyDocument'],
    ['AWS::SQS::QueuePolicy', 'PolicyDocument'],
    ['AWS::SNS::TopicPolicy', 'PolicyDocument'],
    ['AWS::KMS::Key', 'KeyPolicy'],
  ];
  for (const [type, field] of documents) {
    for (const [id, r] of s.ofType(type)) {
      for (const statement of r.Properties[field].Statement) out.push({ id, statement });
    }
  }
  return out;
}

const touchesCollection = (needs: readonly Need[]) => needs.some((n) => COLLECTION_NEEDS.includes(n));

for (const s of [dev, prod]) {
  const env = s === dev ? 'dev' : 'prod';
  const key = s.ofType('AWS::KMS::Key')[0][0];
  const bucket = s.ofType('AWS::S3::Bucket')[0][0];
  const parked = s.logicalId(s.stack.deadLetters.parkedQueue);
  const deadLetterFunction = s.stack.deadLetters.function;
  const dlqs = routing.stages.map((stage) => s.logicalId(s.stack.stages[stage].deadLetterQueue));
  const stageQueues = routing.stages.map((stage) => s.logicalId(s.stack.stages[stage].queue));
  const tables = {
    profiles: s.logicalId(s.stack.tables.profiles),
    idempotency: s.logicalId(s.stack.tables.idempotency),
    faces: s.logicalId(s.stack.tables.faces),
  };

  describe(`Riv-${env === 'dev' ? 'Dev' : 'Prod'}`, () => {
    test('every stage queue redrives to its dead-letter queue; the dead-letter and parked queues redrive nowhere', () => {
      const queues = s.ofType('AWS::SQS::Queue');
      assert.equal(queues.length, 2 * routing.stages.length + 1);
      for (const [id, q] of queues) {
        const redrive = q.Properties.RedrivePolicy;
        if (id === parked) {
          // The one queue that is nobody's dead-letter queue and has none:
          // the end of the line, where people take messages out by hand.
          assert.equal(redrive, undefined, 'the parked queue redrives nowhere');
          assert.equal(q.Properties.QueueName, `riv-${env}-parked`);
        } else if (dlqs.includes(id)) {
          // Drained by the dead-letter function; what it keeps failing on
          // stays here and its age alarm fires, rather than being parked unhandled.
          assert.equal(redrive, undefined, `${id} is a DLQ with a DLQ of its own`);
          assert.match(q.Properties.QueueName, /-dlq$/);
        } else {
          assert.ok(redrive, `${id} has no dead-letter queue`);
          assert.equal(redrive.maxReceiveCount, 5);
          assert.ok(dlqs.includes(redrive.deadLetterTargetArn['Fn::GetAtt'][0]), `${id} redrives to a stage DLQ`);
        }
      }
      const redriveTargets = queues.filter(([, q]) => q.Properties.RedrivePolicy).map(([, q]) => q.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]);
      assert.deepEqual(new Set(redriveTargets), new Set(dlqs));
      assert.equal(redriveTargets.length, dlqs.length, 'one stage queue per DLQ');
    });

    test('every queue is encrypted with the stack key and refuses plain HTTP', () => {
      for (const [id, q] of s.ofType('AWS::SQS::Queue')) {
        assert.deepEqual(q.Properties.KmsMasterKeyId, { 'Fn::GetAtt': [key, 'Arn'] }, id);
      }
      const tlsDenied = new Set(
        s
          .ofType('AWS::SQS::QueuePolicy')
          .filter(([, p]) =>
            p.Properties.PolicyDocument.Statement.some(
              (st: any) => st.Effect === 'Deny' && st.Condition?.Bool?.['aws:SecureTransport'] === 'false',
            ),
          )
          .flatMap(([, p]) => [...refs(p.Properties.Queues)]),
      );
      for (const [id] of s.ofType('AWS::SQS::Queue')) assert.ok(tlsDenied.has(id), `${id} allows plain HTTP`);
    });

    test('the parked queue is encrypted, TLS only, keeps messages 14 days, and only the dead-letter function sends to it', () => {
      const q = s.resources[parked].Properties;
      assert.equal(q.QueueName, `riv-${env}-parked`);
      assert.deepEqual(q.KmsMasterKeyId, { 'Fn::GetAtt': [key, 'Arn'] });
      assert.equal(q.MessageRetentionPeriod, 14 * 24 * 3600);
      for (const [name, fn] of s.functions()) {
        const sends = allows(s.policyOf(fn), 'sqs:SendMessage', isArnOf(parked));
        assert.equal(sends, name === DEAD_LETTER_FUNCTION, `${name} may send to the parked queue`);
      }
      const variables = s.properties(deadLetterFunction).Environment.Variables;
      assert.deepEqual(variables.RIV_PARKED_QUEUE_URL, { Ref: parked });
    });

    test('one queue, dead-letter queue and function per stage, the queues outliving the function six times', () => {
      for (const stage of routing.stages) {
        const { queue, deadLetterQueue, function: fn } = s.stack.stages[stage];
        const q = s.properties(queue);
        const dlq = s.properties(deadLetterQueue);
        const f = s.properties(fn);
        assert.equal(q.QueueName, `riv-${env}-${stage}`);
        assert.equal(dlq.QueueName, `riv-${env}-${stage}-dlq`);
        assert.equal(q.VisibilityTimeout, 6 * f.Timeout);
        assert.equal(dlq.VisibilityTimeout, 6 * s.properties(deadLetterFunction).Timeout, `${stage}-dlq`);
        assert.equal(dlq.MessageRetentionPeriod, 14 * 24 * 3600);
        assert.equal(f.Runtime, 'provided.al2023');
        assert.deepEqual(f.Architectures, ['x86_64']);
        assert.equal(f.Handler, 'bootstrap');
        assert.equal(f.FunctionName, `riv-${env}-${stage}`);
        assert.equal(f.Environment.Variables.RIV_STAGE, stage);
        assert.equal(f.Environment.Variables.RIV_EVENT_SOURCE, EVENT_SOURCE);
      }
      assert.ok(routing.stages.includes('id_match'));
      s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2 * routing.stages.length);
      for (const [id, m] of s.ofType('AWS::Lambda::EventSourceMapping')) {
        assert.deepEqual(m.Properties.FunctionResponseTypes, ['ReportBatchItemFailures'], id);
        assert.equal(m.Properties.BatchSize, 10, id);
      }
    });

    test('each stage function consumes only its queue and sends only to its own dead-letter queue', () => {
      const mappings = s.ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties);
      for (const stage of routing.stages) {
        const { queue, deadLetterQueue, function: fn } = s.stack.stages[stage];
        const own = mappings.filter((m) => m.FunctionName.Ref === s.logicalId(fn));
        assert.deepEqual(own.map((m) => m.EventSourceArn), [{ 'Fn::GetAtt': [s.logicalId(queue), 'Arn'] }], stage);
        const dlq = s.logicalId(deadLetterQueue);
        assert.deepEqual(s.properties(fn).Environment.Variables.RIV_DEAD_LETTER_QUEUE_URL, { Ref: dlq }, stage);
        const sending = s.policyOf(fn).filter((st) => actionsOf(st).some((a) => covers(a, 'sqs:SendMessage')));
        assert.ok(sending.length > 0, `${stage} cannot send to its dead-letter queue`);
        for (const st of sending) {
          for (const resource of resourcesOf(st)) assert.ok(isArnOf(dlq)(resource), `${stage} may send to ${JSON.stringify(resource)}`);
        }
      }
    });

    test('the dead-letter function consumes every dead-letter queue and no other queue', () => {
      const f = s.properties(deadLetterFunction);
      assert.equal(f.FunctionName, `riv-${env}-dead_letter`);
      const stageFunction = s.properties(s.stack.stages['intake'].function);
      for (const setting of ['Runtime', 'Architectures', 'Handler', 'Timeout', 'MemorySize']) {
        assert.deepEqual(f[setting], stageFunction[setting], setting);
      }
      const sources = s
        .ofType('AWS::Lambda::EventSourceMapping')
        .map(([, m]) => m.Properties)
        .filter((m) => m.FunctionName.Ref === s.logicalId(deadLetterFunction));
      assert.equal(sources.length, dlqs.length);
      const consumed = sources.map((m) => m.EventSourceArn['Fn::GetAtt'][0]);
      assert.deepEqual(new Set(consumed), new Set(dlqs));
      for (const id of stageQueues) assert.ok(!consumed.includes(id), `the dead-letter function consumes ${id}`);
      for (const m of sources) {
        assert.equal(m.BatchSize, 10);
        assert.deepEqual(m.FunctionResponseTypes, ['ReportBatchItemFailures']);
      }
    });

    test("the dead-letter function's queue prefix maps each dead-letter queue's name to its stage", () => {
      const variables = s.properties(deadLetterFunction).Environment.Variables;
      const prefix = variables.RIV_QUEUE_PREFIX;
      assert.equal(prefix, `riv-${env}`);
      assert.equal(variables.RIV_STAGE, undefined, 'the dead-letter function serves every stage');
      for (const stage of routing.stages) {
        const name: string = s.properties(s.stack.stages[stage].deadLetterQueue).QueueName;
        assert.ok(name.startsWith(`${prefix}-`) && name.endsWith('-dlq'), name);
        assert.equal(name.slice(prefix.length + 1, -'-dlq'.length), stage);
      }
      assert.deepEqual(variables.RIV_PROFILES_TABLE, { Ref: tables.profiles });
    });

    test('every routing edge has exactly one rule on the bus, targeting its stage queue with the envelope', () => {
      const bus = s.ofType('AWS::Events::EventBus')[0];
      assert.equal(bus[1].Properties.Name, `riv-${env}`);
      const onBus = s.ofType('AWS::Events::Rule').filter(([, r]) => r.Properties.EventBusName?.Ref === bus[0]);
      assert.equal(onBus.length, routing.edges.length);
      for (const edge of routing.edges) {
        const matching = onBus.filter(
          ([, r]) =>
            JSON.stringify(r.Properties.EventPattern) ===
            JSON.stringify({ source: [EVENT_SOURCE], 'detail-type': [edge.event_type], detail: { workflow: [edge.workflow] } }),
        );
        assert.equal(matching.length, 1, `rules for ${edgeId(edge)}`);
        const targets = matching[0][1].Properties.Targets;
        assert.equal(targets.length, 1);
        const queue = s.logicalId(s.stack.stages[edge.target].queue);
        assert.deepEqual(targets[0].Arn, { 'Fn::GetAtt': [queue, 'Arn'] });
        assert.equal(targets[0].InputPath, '$.detail');
      }
    });

    test('manifests under requests/ go from the default bus to intake', () => {
      const manifest = s
        .ofType('AWS::Events::Rule')
        .filter(([, r]) => r.Properties.EventBusName === undefined);
      assert.equal(manifest.length, 1);
      const rule = manifest[0][1].Properties;
      assert.deepEqual(rule.EventPattern, {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: bucket }] }, object: { key: [{ wildcard: 'requests/*/manifest.json' }] } },
      });
      assert.deepEqual(rule.Targets[0].Arn, { 'Fn::GetAtt': [s.logicalId(s.stack.stages['intake'].queue), 'Arn'] });
      assert.equal(rule.Targets[0].InputPath, undefined);
    });

    test('the bucket blocks public access, is SSE-KMS, notifies EventBridge and denies plain HTTP', () => {
      const [[id, b]] = s.ofType('AWS::S3::Bucket');
      assert.deepEqual(b.Properties.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const sse = b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
      assert.equal(sse.ServerSideEncryptionByDefault.SSEAlgorithm, 'aws:kms');
      assert.deepEqual(refs(sse), new Set([key]), id);
      const notifications = s.ofType('Custom::S3BucketNotifications')[0][1];
      assert.deepEqual(notifications.Properties.NotificationConfiguration, { EventBridgeConfiguration: {} });
      const policy = s.ofType('AWS::S3::BucketPolicy')[0][1].Properties.PolicyDocument.Statement;
      assert.ok(
        policy.some(
          (st: any) => st.Effect === 'Deny' && st.Principal?.AWS === '*' && st.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ),
      );
    });

    test('no resource policy allows "*" without a condition', () => {
      for (const { id, statement } of resourcePolicyStatements(s)) {
        if (statement.Effect !== 'Allow') continue;
        const p = statement.Principal;
        const anyone = p === '*' || p?.AWS === '*' || (Array.isArray(p?.AWS) && p.AWS.includes('*'));
        assert.ok(!anyone || statement.Condition, `${id} allows anyone: ${JSON.stringify(statement)}`);
      }
      s.template.resourceCountIs('AWS::Lambda::Permission', 0);
    });

    test("every function's policy names only its own resources", () => {
      const bus = s.ofType('AWS::Events::EventBus')[0][0];
      const topics = Object.fromEntries(s.ofType('AWS::SNS::Topic').map(([id, t]) => [t.Properties.TopicName, id]));
      const common = [key, bus, tables.idempotency, topics[`riv-${env}-outcomes`], topics[`riv-${env}-rollback`]];
      const scopes: [string, Construct, readonly Need[], string[]][] = [
        ...routing.stages.map((stage): [string, Construct, readonly Need[], string[]] => {
          const { queue, deadLetterQueue, function: fn } = s.stack.stages[stage];
          return [stage, fn, STAGE_NEEDS[stage], [s.logicalId(queue), s.logicalId(deadLetterQueue)]];
        }),
        [DEAD_LETTER_FUNCTION, deadLetterFunction, DEAD_LETTER_NEEDS, [...dlqs, parked]],
      ];
      for (const [name, fn, needs, queues] of scopes) {
        const allowed = new Set([...common, ...queues]);
        if (needs.includes('readRequests') || needs.includes('deleteRequests')) allowed.add(bucket);
        if (needs.some((n) => n.startsWith('profiles'))) allowed.add(tables.profiles);
        if (needs.some((n) => n.startsWith('faces'))) allowed.add(tables.faces);

        const actions = new Set<string>();
        for (const st of s.policyOf(fn)) {
          const stActions = actionsOf(st);
          stActions.forEach((a) => actions.add(a));
          for (const resource of resourcesOf(st)) {
            if (resource === '*') {
              for (const a of stActions) assert.ok(ACTIONS_WITHOUT_RESOURCES.includes(a), `${name}: ${a} on "*"`);
              continue;
            }
            const named = refs(resource);
            if (named.size === 0) {
              // Only the collection is named by text.
              assert.match(JSON.stringify(resource), new RegExp(`:collection/riv-${env}"`), `${name}: ${JSON.stringify(resource)}`);
              for (const a of stActions) assert.match(a, /^rekognition:/);
            }
            for (const id of named) assert.ok(allowed.has(id), `${name} may not touch ${id}`);
          }
        }
        assert.equal(actions.has('rekognition:DetectFaces'), needs.includes('detectFaces'), name);
        assert.equal(actions.has('textract:AnalyzeID'), needs.includes('analyzeId'), name);
        assert.equal(actions.has('rekognition:IndexFaces'), needs.includes('indexFaces'), name);
        assert.equal(actions.has('rekognition:DeleteFaces'), needs.includes('deleteFaces'), name);
        assert.equal(actions.has('s3:DeleteObject*'), needs.includes('deleteRequests'), name);
        for (const a of ['events:PutEvents', 'sns:Publish', 'sqs:ReceiveMessage', 'sqs:SendMessage']) {
          assert.ok(actions.has(a), `${name}: ${a}`);
        }
      }
      assert.ok(
        [...s.policyOf(deadLetterFunction)].every((st) => actionsOf(st).every((a) => !/^(s3|rekognition):/.test(a))),
        'the dead-letter function touches neither objects nor faces',
      );
    });

    test('stages that hand Rekognition an S3 image may read requests/* and decrypt it', () => {
      let checked = 0;
      for (const [name, fn] of s.functions()) {
        const policy = s.policyOf(fn);
        const calls = IMAGE_READING_ACTIONS.filter((action) => allows(policy, action, () => true));
        if (calls.length === 0) continue;
        checked++;
        assert.ok(allows(policy, 's3:GetObject', arnWithSuffix(bucket, '/requests/*')), `${name} calls ${calls} but cannot read requests/*`);
        assert.ok(allows(policy, 'kms:Decrypt', isArnOf(key)), `${name} calls ${calls} but cannot decrypt`);
      }
      assert.equal(checked, 5, 'quality, duplicate_search, id_match (Rekognition and Textract), face_match and index hand over images');
    });

    test('only id_match may read documents with Textract, on any resource', () => {
      for (const [name, fn] of s.functions()) {
        const statements = [...s.policyOf(fn)].filter((st) => actionsOf(st).includes('textract:AnalyzeID'));
        assert.equal(statements.length, name === 'id_match' ? 1 : 0, name);
        for (const st of statements) assert.deepEqual(resourcesOf(st), ['*']);
      }
    });

    test('the index stage may search the collection by a stored face', () => {
      const collection = (resource: unknown) => JSON.stringify(resource).includes(`:collection/riv-${env}"`);
      const policy = s.policyOf(s.stack.stages['index'].function);
      assert.ok(allows(policy, 'rekognition:SearchFaces', collection));
      assert.ok(allows(policy, 'rekognition:IndexFaces', collection));
    });

    test('the faces table is keyed by key and indexes faces by user', () => {
      const faces = s.resources[tables.faces].Properties;
      assert.deepEqual(faces.KeySchema, [{ AttributeName: 'key', KeyType: 'HASH' }]);
      assert.deepEqual(faces.GlobalSecondaryIndexes, [
        {
          IndexName: FACES_BY_USER_INDEX,
          KeySchema: [{ AttributeName: 'user_id', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ]);
      assert.equal(FACES_BY_USER_INDEX, 'by_user');
      assert.ok(faces.AttributeDefinitions.some((a: any) => a.AttributeName === 'user_id' && a.AttributeType === 'S'));
    });

    test('every function on the collection has its id and the faces table, and may query the faces and their index', () => {
      for (const stage of routing.stages) {
        const fn = s.stack.stages[stage].function;
        const variables = s.properties(fn).Environment.Variables;
        const touches = touchesCollection(STAGE_NEEDS[stage]);
        assert.equal(variables.RIV_COLLECTION_ID, touches ? `riv-${env}` : undefined, stage);
        assert.deepEqual(variables.RIV_FACES_TABLE, touches ? { Ref: tables.faces } : undefined, stage);
        const policy = s.policyOf(fn);
        assert.equal(allows(policy, 'dynamodb:Query', arnWithSuffix(tables.faces, '/index/*')), touches, `${stage} queries by_user`);
        assert.equal(allows(policy, 'dynamodb:GetItem', isArnOf(tables.faces)), touches, `${stage} reads faces`);
      }
      assert.ok(touchesCollection(STAGE_NEEDS['index']) && !touchesCollection(STAGE_NEEDS['quality']));
    });

    test('the collection custom resource may touch only its collection', () => {
      const [[, collection]] = s.ofType('Custom::RekognitionCollection');
      const create = JSON.parse(collection.Properties.Create);
      assert.equal(create.action, 'CreateCollection');
      assert.deepEqual(create.parameters, { CollectionId: `riv-${env}` });
      if (env === 'dev') {
        assert.equal(JSON.parse(collection.Properties.Delete).action, 'DeleteCollection');
      } else {
        assert.equal(collection.Properties.Delete, undefined);
      }
      const crPolicies = s
        .ofType('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p).includes('rekognition:CreateCollection'));
      assert.equal(crPolicies.length, 1);
      for (const st of crPolicies[0][1].Properties.PolicyDocument.Statement) {
        assert.match(JSON.stringify(st.Resource), new RegExp(`:collection/riv-${env}"`));
      }
    });

    test('alarms on the age of every stage and dead-letter queue, and on any parked message', () => {
      const alarms = s.ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const on = (id: string, metric: string) =>
        alarms.filter((a) => a.MetricName === metric && a.Dimensions[0].Name === 'QueueName' && refs(a.Dimensions[0].Value).has(id));
      for (const stage of routing.stages) {
        for (const [id, name] of [
          [s.logicalId(s.stack.stages[stage].queue), `riv-${env}-${stage}-oldest-message-age`],
          [s.logicalId(s.stack.stages[stage].deadLetterQueue), `riv-${env}-${stage}-dlq-oldest-message-age`],
        ]) {
          const age = on(id, 'ApproximateAgeOfOldestMessage');
          assert.equal(age.length, 1, name);
          assert.equal(age[0].AlarmName, name);
          assert.equal(age[0].Threshold, 900);
          assert.equal(age[0].AlarmActions.length, 1);
          // Dead-letter queues drain now: a message in one is no alarm by itself.
          assert.equal(on(id, 'ApproximateNumberOfMessagesVisible').length, 0, name);
        }
      }
      const parkedAlarms = on(parked, 'ApproximateNumberOfMessagesVisible');
      assert.equal(parkedAlarms.length, 1);
      assert.equal(parkedAlarms[0].AlarmName, `riv-${env}-parked-not-empty`);
      assert.equal(parkedAlarms[0].Threshold, 0);
      assert.equal(parkedAlarms[0].ComparisonOperator, 'GreaterThanThreshold');
      assert.equal(parkedAlarms[0].AlarmActions.length, 1);
      assert.ok(!alarms.some((a) => /dlq-not-empty$/.test(a.AlarmName)));
      assert.equal(alarms.length, 2 * routing.stages.length + 1);
    });

    test('topics and tables are encrypted; tables have point-in-time recovery; idempotency expires', () => {
      for (const [id, t] of s.ofType('AWS::SNS::Topic')) assert.ok(t.Properties.KmsMasterKeyId, id);
      for (const [id, t] of s.ofType('AWS::DynamoDB::Table')) {
        assert.equal(t.Properties.BillingMode, 'PAY_PER_REQUEST', id);
        assert.equal(t.Properties.SSESpecification.SSEEnabled, true, id);
        assert.equal(t.Properties.SSESpecification.SSEType, 'KMS', id);
        assert.equal(t.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, true, id);
      }
      const idempotency = s.resources[tables.idempotency].Properties;
      assert.deepEqual(idempotency.KeySchema, [{ AttributeName: 'key', KeyType: 'HASH' }]);
      assert.deepEqual(idempotency.TimeToLiveSpecification, { AttributeName: 'expires_at', Enabled: true });
      s.template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        TopicArn: { Ref: s.ofType('AWS::SNS::Topic').find(([, t]) => t.Properties.TopicName === `riv-${env}-rollback`)![0] },
        Endpoint: { 'Fn::GetAtt': [s.logicalId(s.stack.stages['rollback'].queue), 'Arn'] },
      });
    });

    test('the outputs apps and operators need', () => {
      const outputs = s.template.toJSON().Outputs;
      for (const name of ['BucketName', 'OutcomesTopicArn', 'EventBusName', 'CollectionId', 'KeyArn', 'AlarmTopicArn', 'ParkedQueueUrl']) {
        assert.ok(outputs[name], name);
      }
      assert.deepEqual(outputs.ParkedQueueUrl.Value, { Ref: parked });
    });

    test('without pipelineConfig no function gets RIV_PIPELINE_CONFIG', () => {
      for (const [name, fn] of s.functions()) {
        assert.equal(s.properties(fn).Environment.Variables.RIV_PIPELINE_CONFIG, undefined, name);
      }
    });

    test(env === 'dev' ? 'dev destroys everything' : 'prod retains its data', () => {
      const data = ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'Custom::RekognitionCollection'];
      for (const type of data) {
        for (const [id, r] of s.ofType(type)) {
          assert.equal(r.DeletionPolicy, env === 'dev' ? 'Delete' : 'Retain', id);
        }
      }
      s.template.resourceCountIs('Custom::S3AutoDeleteObjects', env === 'dev' ? 1 : 0);
      for (const [id, t] of s.ofType('AWS::DynamoDB::Table')) {
        assert.equal(t.Properties.DeletionProtectionEnabled, env === 'prod', id);
      }
    });
  });
}

describe('configuration', () => {
  test('request objects expire when asked, and never by default', () => {
    const rules = (s: typeof dev) => s.ofType('AWS::S3::Bucket')[0][1].Properties.LifecycleConfiguration.Rules;
    assert.ok(!rules(dev).some((r: any) => r.Prefix === 'requests/'));
    const expiring = synth('Riv-Dev', 'dev', { 'dev:requestObjectExpiryDays': '30', maxReceiveCount: '3' });
    assert.ok(rules(expiring).some((r: any) => r.Prefix === 'requests/' && r.ExpirationInDays === 30 && r.Status === 'Enabled'));
    for (const [, q] of expiring.ofType('AWS::SQS::Queue')) {
      if (q.Properties.RedrivePolicy) assert.equal(q.Properties.RedrivePolicy.maxReceiveCount, 3);
    }
  });

  test('pipelineConfig reaches every function as RIV_PIPELINE_CONFIG', () => {
    const overrides = { face_match: { threshold: 85 }, delivery: { lease_secs: 30 } };
    for (const given of [JSON.stringify(overrides, null, 2), overrides]) {
      const configured = synth('Riv-Dev', 'dev', { 'dev:pipelineConfig': given });
      for (const [name, fn] of configured.functions()) {
        const text = configured.properties(fn).Environment.Variables.RIV_PIPELINE_CONFIG;
        assert.equal(typeof text, 'string', name);
        assert.deepEqual(JSON.parse(text), overrides, name);
      }
    }
    const other = synth('Riv-Prod', 'prod', { 'dev:pipelineConfig': JSON.stringify(overrides) });
    assert.equal(other.properties(other.stack.stages['index'].function).Environment.Variables.RIV_PIPELINE_CONFIG, undefined);
  });

  test('a pipelineConfig that is not a JSON object is refused with its key', () => {
    for (const bad of ['{"face_match":', '[1, 2]', 'null', '"text"', 42]) {
      assert.throws(() => synth('Riv-Dev', 'dev', { pipelineConfig: bad }), /pipelineConfig must be a JSON object/, String(bad));
    }
  });

  test('a bad context value is refused with its key', () => {
    assert.throws(() => synth('Riv-Dev', 'dev', { maxReceiveCount: 'five' }), /maxReceiveCount/);
  });

  test('missing Lambda artefacts are named', () => {
    assert.throws(() => synth('Riv-Dev', 'dev', { lambdaDir: path.join(lambdaDir, 'nowhere') }), /bootstrap is missing/);
    const stagesOnly = fs.mkdtempSync(path.join(os.tmpdir(), 'riv-lambda-stages-'));
    writePlaceholderLambdas(stagesOnly, routing.stages);
    fs.rmSync(path.join(stagesOnly, DEAD_LETTER_FUNCTION), { recursive: true });
    assert.throws(() => synth('Riv-Dev', 'dev', { lambdaDir: stagesOnly }), /dead_letter\/bootstrap is missing/);
  });

  test('the placeholders include the dead-letter function', () => {
    for (const name of [...routing.stages, DEAD_LETTER_FUNCTION]) {
      const bootstrap = path.join(lambdaDir, name, 'bootstrap');
      assert.ok(fs.statSync(bootstrap).mode & 0o100, `${bootstrap} is executable`);
    }
  });

  test('routing.json is read and checked', () => {
    assert.equal(routing.edges.length, 15);
    assert.deepEqual(routing.outcome_kinds, ['registered', 'verified', 'denied', 'updated', 'failed']);
    const bad = path.join(lambdaDir, 'bad-routing.json');
    fs.writeFileSync(bad, JSON.stringify({ ...routing, edges: [{ workflow: 'register', event_type: 'x', target: 'nowhere' }] }));
    assert.throws(() => loadRouting(bad), /targets a stage without a queue/);
  });
});
