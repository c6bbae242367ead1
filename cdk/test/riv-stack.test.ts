// Assertions over the synthesized stacks. The Lambda code is a stand-in
// `bootstrap` per stage written to a temporary directory here: the real
// artefacts come from the Rust build of the Lambda binaries, a later step
// (docs/deploy.md).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { stackProps } from '../lib/config';
import { writePlaceholderLambdas } from '../lib/placeholders';
import { ACTIONS_WITHOUT_RESOURCES, EVENT_SOURCE, RivStack, STAGE_NEEDS } from '../lib/riv-stack';
import { edgeId, loadRouting } from '../lib/routing';

// Compiled to build/test/: the cdk directory is two levels up.
const root = path.resolve(__dirname, '..', '..');
const routing = loadRouting(path.join(root, 'routing.json'));
const cdkContext = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')).context;
const lambdaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riv-lambda-'));
writePlaceholderLambdas(lambdaDir, routing.stages);

type Resource = { Type: string; Properties?: any; DeletionPolicy?: string };

function synth(id: string, envName: string, context: Record<string, unknown> = {}) {
  const app = new App({
    context: { ...cdkContext, lambdaDir, ...context },
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'riv-cdk-out-')),
  });
  const stack = new RivStack(app, id, stackProps(app, envName, routing));
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  return { stack, template, resources, ofType, logicalId };
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

for (const s of [dev, prod]) {
  const env = s === dev ? 'dev' : 'prod';
  describe(`Riv-${env === 'dev' ? 'Dev' : 'Prod'}`, () => {
    test('every queue but the dead-letter queues redrives to a dead-letter queue', () => {
      const queues = s.ofType('AWS::SQS::Queue');
      const dlqIds = new Set(
        queues.filter(([, q]) => q.Properties.RedrivePolicy).map(([, q]) => q.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]),
      );
      assert.equal(dlqIds.size, routing.stages.length);
      for (const [id, q] of queues) {
        if (dlqIds.has(id)) {
          assert.equal(q.Properties.RedrivePolicy, undefined, `${id} is a DLQ with a DLQ of its own`);
          assert.match(q.Properties.QueueName, /-dlq$/);
        } else {
          assert.ok(q.Properties.RedrivePolicy, `${id} has no dead-letter queue`);
          assert.equal(q.Properties.RedrivePolicy.maxReceiveCount, 5);
        }
      }
    });

    test('every queue is encrypted with the stack key and refuses plain HTTP', () => {
      const key = s.ofType('AWS::KMS::Key')[0][0];
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

    test('one queue, dead-letter queue and function per stage, the queue outliving the function six times', () => {
      for (const stage of routing.stages) {
        const { queue, deadLetterQueue, function: fn } = s.stack.stages[stage];
        const q = s.resources[s.logicalId(queue)].Properties;
        const f = s.resources[s.logicalId(fn)].Properties;
        assert.equal(q.QueueName, `riv-${env}-${stage}`);
        assert.equal(s.resources[s.logicalId(deadLetterQueue)].Properties.QueueName, `riv-${env}-${stage}-dlq`);
        assert.equal(q.VisibilityTimeout, 6 * f.Timeout);
        assert.equal(f.Runtime, 'provided.al2023');
        assert.deepEqual(f.Architectures, ['x86_64']);
        assert.equal(f.Handler, 'bootstrap');
        assert.equal(f.FunctionName, `riv-${env}-${stage}`);
        assert.equal(f.Environment.Variables.RIV_STAGE, stage);
        assert.equal(f.Environment.Variables.RIV_EVENT_SOURCE, EVENT_SOURCE);
      }
      assert.ok(!routing.stages.includes('id_match'));
      s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', routing.stages.length);
      for (const [id, m] of s.ofType('AWS::Lambda::EventSourceMapping')) {
        assert.deepEqual(m.Properties.FunctionResponseTypes, ['ReportBatchItemFailures'], id);
      }
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
      const bucket = s.ofType('AWS::S3::Bucket')[0][0];
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
      const [[id, bucket]] = s.ofType('AWS::S3::Bucket');
      assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const sse = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
      assert.equal(sse.ServerSideEncryptionByDefault.SSEAlgorithm, 'aws:kms');
      assert.deepEqual(refs(sse), new Set([s.ofType('AWS::KMS::Key')[0][0]]), id);
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

    test("every stage function's policy names only its own resources", () => {
      const shared = (r: { node: { defaultChild?: unknown } }) => s.logicalId(r);
      const key = s.ofType('AWS::KMS::Key')[0][0];
      const bus = s.ofType('AWS::Events::EventBus')[0][0];
      const bucket = s.ofType('AWS::S3::Bucket')[0][0];
      const topics = Object.fromEntries(s.ofType('AWS::SNS::Topic').map(([id, t]) => [t.Properties.TopicName, id]));
      const tables = Object.fromEntries(
        s.ofType('AWS::DynamoDB::Table').map(([id, t]) => [t.Properties.KeySchema[0].AttributeName, id]),
      );
      for (const stage of routing.stages) {
        const needs = STAGE_NEEDS[stage];
        const allowed = new Set([
          shared(s.stack.stages[stage].queue),
          key,
          bus,
          tables['key'],
          topics[`riv-${env}-outcomes`],
          topics[`riv-${env}-rollback`],
        ]);
        if (needs.includes('readRequests') || needs.includes('deleteRequests')) allowed.add(bucket);
        if (needs.some((n) => n.startsWith('profiles'))) allowed.add(tables['user_id']);
        if (needs.some((n) => n.startsWith('faces'))) allowed.add(tables['face_id']);

        const role = s.resources[s.logicalId(s.stack.stages[stage].function)].Properties.Role['Fn::GetAtt'][0];
        const policies = s
          .ofType('AWS::IAM::Policy')
          .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === role));
        assert.equal(policies.length, 1, stage);
        const statements = policies[0][1].Properties.PolicyDocument.Statement;
        const actions = new Set<string>();
        for (const st of statements) {
          const stActions: string[] = [].concat(st.Action);
          stActions.forEach((a) => actions.add(a));
          for (const resource of [].concat(st.Resource) as unknown[]) {
            if (resource === '*') {
              for (const a of stActions) assert.ok(ACTIONS_WITHOUT_RESOURCES.includes(a), `${stage}: ${a} on "*"`);
              continue;
            }
            const named = refs(resource);
            if (named.size === 0) {
              // Only the collection is named by text.
              assert.match(JSON.stringify(resource), new RegExp(`:collection/riv-${env}"`), `${stage}: ${JSON.stringify(resource)}`);
              for (const a of stActions) assert.match(a, /^rekognition:/);
            }
            for (const id of named) assert.ok(allowed.has(id), `${stage} may not touch ${id}`);
          }
        }
        assert.equal(actions.has('rekognition:DetectFaces'), needs.includes('detectFaces'), stage);
        assert.equal(actions.has('rekognition:IndexFaces'), needs.includes('indexFaces'), stage);
        assert.equal(actions.has('rekognition:DeleteFaces'), needs.includes('deleteFaces'), stage);
        assert.equal(actions.has('s3:DeleteObject*'), needs.includes('deleteRequests'), stage);
        assert.ok(actions.has('events:PutEvents') && actions.has('sns:Publish') && actions.has('sqs:ReceiveMessage'), stage);
      }
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

    test('an alarm on every dead-letter queue and on the age of every stage queue', () => {
      const alarms = s.ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      for (const stage of routing.stages) {
        const dlq = s.logicalId(s.stack.stages[stage].deadLetterQueue);
        const queue = s.logicalId(s.stack.stages[stage].queue);
        const on = (id: string, metric: string) =>
          alarms.filter(
            (a) => a.MetricName === metric && a.Dimensions[0].Name === 'QueueName' && refs(a.Dimensions[0].Value).has(id),
          );
        const dlqAlarms = on(dlq, 'ApproximateNumberOfMessagesVisible');
        assert.equal(dlqAlarms.length, 1, stage);
        assert.equal(dlqAlarms[0].Threshold, 0);
        assert.equal(dlqAlarms[0].ComparisonOperator, 'GreaterThanThreshold');
        assert.equal(on(queue, 'ApproximateAgeOfOldestMessage').length, 1, stage);
        for (const a of [...dlqAlarms, ...on(queue, 'ApproximateAgeOfOldestMessage')]) {
          assert.equal(a.AlarmActions.length, 1);
        }
      }
    });

    test('topics and tables are encrypted; tables have point-in-time recovery; idempotency expires', () => {
      for (const [id, t] of s.ofType('AWS::SNS::Topic')) assert.ok(t.Properties.KmsMasterKeyId, id);
      for (const [id, t] of s.ofType('AWS::DynamoDB::Table')) {
        assert.equal(t.Properties.BillingMode, 'PAY_PER_REQUEST', id);
        assert.equal(t.Properties.SSESpecification.SSEEnabled, true, id);
        assert.equal(t.Properties.SSESpecification.SSEType, 'KMS', id);
        assert.equal(t.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, true, id);
      }
      s.template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      });
      s.template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        TopicArn: { Ref: s.ofType('AWS::SNS::Topic').find(([, t]) => t.Properties.TopicName === `riv-${env}-rollback`)![0] },
        Endpoint: { 'Fn::GetAtt': [s.logicalId(s.stack.stages['rollback'].queue), 'Arn'] },
      });
    });

    test('the outputs apps need', () => {
      const outputs = s.template.toJSON().Outputs;
      for (const name of ['BucketName', 'OutcomesTopicArn', 'EventBusName', 'CollectionId', 'KeyArn', 'AlarmTopicArn']) {
        assert.ok(outputs[name], name);
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

  test('a bad context value is refused with its key', () => {
    assert.throws(() => synth('Riv-Dev', 'dev', { maxReceiveCount: 'five' }), /maxReceiveCount/);
  });

  test('missing Lambda artefacts are named', () => {
    assert.throws(() => synth('Riv-Dev', 'dev', { lambdaDir: path.join(lambdaDir, 'nowhere') }), /bootstrap is missing/);
  });

  test('routing.json is read and checked', () => {
    assert.equal(routing.edges.length, 10);
    assert.deepEqual(routing.outcome_kinds, ['registered', 'verified', 'denied', 'updated', 'failed']);
    const bad = path.join(lambdaDir, 'bad-routing.json');
    fs.writeFileSync(bad, JSON.stringify({ ...routing, edges: [{ workflow: 'register', event_type: 'x', target: 'nowhere' }] }));
    assert.throws(() => loadRouting(bad), /targets a stage without a queue/);
  });
});
