import * as fs from 'node:fs';
import * as path from 'node:path';

import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

import { edgeId, RoutingArtifact } from './routing';

/** The `source` of every event the stages put on the bus. */
export const EVENT_SOURCE = 'riv.pipeline';

/** Where requests' objects live; manifests are `requests/{request_id}/manifest.json`. */
export const REQUESTS_PREFIX = 'requests/';

/** What one stage's function may touch beyond what every stage gets. */
type Need =
  | 'readRequests'
  | 'deleteRequests'
  | 'profilesRead'
  | 'profilesWrite'
  | 'profilesDelete'
  | 'facesRead'
  | 'facesWrite'
  | 'detectFaces'
  | 'compareFaces'
  | 'searchFacesByImage'
  | 'searchFaces'
  | 'indexFaces'
  | 'deleteFaces';

/**
 * Each stage's needs. Every stage also consumes its own queue, reads and
 * writes the idempotency table, puts events on the bus and publishes to the
 * outcomes and rollback topics.
 */
export const STAGE_NEEDS: Readonly<Record<string, readonly Need[]>> = {
  intake: ['readRequests', 'profilesRead'],
  quality: ['readRequests', 'detectFaces'],
  duplicate_search: ['readRequests', 'searchFacesByImage', 'facesRead'],
  id_match: ['readRequests', 'compareFaces'],
  face_match: ['readRequests', 'profilesRead', 'compareFaces', 'searchFacesByImage', 'facesRead'],
  index: ['readRequests', 'indexFaces', 'searchFaces', 'facesWrite'],
  profile_write: ['profilesWrite', 'deleteFaces', 'deleteRequests', 'facesWrite'],
  rollback: ['profilesDelete', 'deleteFaces', 'deleteRequests', 'facesWrite'],
};

/**
 * Rekognition actions that have no resource-level permissions: AWS only
 * accepts `Resource: "*"` for them. Every other statement names a resource.
 */
export const ACTIONS_WITHOUT_RESOURCES: readonly string[] = ['rekognition:DetectFaces', 'rekognition:CompareFaces'];

export interface RivStackProps extends StackProps {
  /** `prod`, `dev`: names the bus (`riv-<env>`), queues, topics, functions and collection. */
  readonly envName: string;
  /** The workflow table exported by the Rust build (`routing.json`). */
  readonly routing: RoutingArtifact;
  /** Holds one directory per stage with its `bootstrap` executable. */
  readonly lambdaDir: string;
  /** Keep the bucket, tables, collection, key and logs when the stack is deleted (prod). */
  readonly retainData: boolean;
  /** Receives of one message before it moves to its stage's dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Each stage function's timeout; its queue's visibility timeout is six times this. */
  readonly stageTimeout: Duration;
  /** Each stage function's memory. */
  readonly stageMemoryMb: number;
  /** Alarm when a stage queue's oldest message is older than this. */
  readonly oldestMessageAlarmAge: Duration;
  /** Delete objects under `requests/` this many days after they were written; 0 keeps them. */
  readonly requestObjectExpiryDays: number;
}

/** The names of things the stack creates, for tests and other constructs. */
export interface StageResources {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: lambda.Function;
}

/** riv in one AWS environment. */
export class RivStack extends Stack {
  readonly stages: Readonly<Record<string, StageResources>>;

  constructor(scope: Construct, id: string, props: RivStackProps) {
    super(scope, id, props);
    const env = props.envName;
    const removal = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const prefix = `riv-${env}`;

    const key = new kms.Key(this, 'Key', {
      description: `riv ${env}: encrypts the bucket, queues, topics and tables`,
      enableKeyRotation: true,
      removalPolicy: removal,
      pendingWindow: Duration.days(7),
    });
    // EventBridge (rules → stage queues) and CloudWatch (alarms → alarm topic)
    // write to encrypted queues and topics: only from this account.
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Allow${service.split('.')[0]}`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      );
    }

    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ];
    if (props.requestObjectExpiryDays > 0) {
      lifecycleRules.push({
        id: 'expire-request-objects',
        prefix: REQUESTS_PREFIX,
        expiration: Duration.days(props.requestObjectExpiryDays),
      });
    }
    const bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      eventBridgeEnabled: true,
      lifecycleRules,
      removalPolicy: removal,
      autoDeleteObjects: !props.retainData,
    });

    const tableDefaults = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retainData,
      removalPolicy: removal,
    };
    const profiles = new dynamodb.Table(this, 'Profiles', {
      ...tableDefaults,
      partitionKey: { name: 'user_id', type: dynamodb.AttributeType.STRING },
    });
    const idempotency = new dynamodb.Table(this, 'Idempotency', {
      ...tableDefaults,
      partitionKey: { name: 'key', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expires_at',
    });
    // The collection's faces with their indexed order (Rekognition has none).
    const faces = new dynamodb.Table(this, 'Faces', {
      ...tableDefaults,
      partitionKey: { name: 'face_id', type: dynamodb.AttributeType.STRING },
    });

    const collectionId = prefix;
    const collectionArn = this.formatArn({ service: 'rekognition', resource: 'collection', resourceName: collectionId });
    const collection = new cr.AwsCustomResource(this, 'Collection', {
      resourceType: 'Custom::RekognitionCollection',
      onCreate: {
        service: 'Rekognition',
        action: 'CreateCollection',
        parameters: { CollectionId: collectionId },
        physicalResourceId: cr.PhysicalResourceId.of(collectionId),
        // A collection prod kept from an earlier stack is taken over.
        ignoreErrorCodesMatching: 'ResourceAlreadyExistsException',
      },
      onDelete: props.retainData
        ? undefined
        : {
            service: 'Rekognition',
            action: 'DeleteCollection',
            parameters: { CollectionId: collectionId },
            ignoreErrorCodesMatching: 'ResourceNotFoundException',
          },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['rekognition:CreateCollection', 'rekognition:DeleteCollection'],
          resources: [collectionArn],
        }),
      ]),
      installLatestAwsSdk: false,
      removalPolicy: removal,
    });

    const bus = new events.EventBus(this, 'Bus', { eventBusName: prefix });
    const topic = (id: string, name: string, displayName: string) =>
      new sns.Topic(this, id, { topicName: `${prefix}-${name}`, displayName, masterKey: key, enforceSSL: true });
    const outcomes = topic('Outcomes', 'outcomes', `riv ${env} outcomes`);
    const rollbackTopic = topic('RollbackCommands', 'rollback', `riv ${env} rollback commands`);
    const alarmTopic = topic('Alarms', 'alarms', `riv ${env} alarms`);
    const alarmAction = new cwActions.SnsAction(alarmTopic);

    const stages: Record<string, StageResources> = {};
    for (const stage of props.routing.stages) {
      const needs = STAGE_NEEDS[stage];
      if (needs === undefined) {
        throw new Error(`routing.json names stage ${stage}, which this app has no permissions for`);
      }
      const name = pascal(stage);
      const deadLetterQueue = new sqs.Queue(this, `${name}Dlq`, {
        queueName: `${prefix}-${stage}-dlq`,
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: key,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const queue = new sqs.Queue(this, `${name}Queue`, {
        queueName: `${prefix}-${stage}`,
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: key,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(props.stageTimeout.toSeconds() * 6),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      });

      new cloudwatch.Alarm(this, `${name}DlqAlarm`, {
        alarmName: `${prefix}-${stage}-dlq-not-empty`,
        alarmDescription: `riv ${env}: messages in ${stage}'s dead-letter queue`,
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
      new cloudwatch.Alarm(this, `${name}AgeAlarm`, {
        alarmName: `${prefix}-${stage}-oldest-message-age`,
        alarmDescription: `riv ${env}: ${stage}'s oldest message is older than ${props.oldestMessageAlarmAge.toSeconds()} s`,
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: props.oldestMessageAlarmAge.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);

      const codeDir = path.join(props.lambdaDir, stage);
      if (!fs.existsSync(path.join(codeDir, 'bootstrap'))) {
        throw new Error(
          `${codeDir}/bootstrap is missing: build the Lambda artefacts first (docs/deploy.md), or set the lambdaDir context`,
        );
      }
      const environment: Record<string, string> = {
        RIV_ENV: env,
        RIV_STAGE: stage,
        RIV_BUCKET: bucket.bucketName,
        RIV_EVENT_BUS: bus.eventBusName,
        RIV_EVENT_SOURCE: EVENT_SOURCE,
        RIV_OUTCOMES_TOPIC_ARN: outcomes.topicArn,
        RIV_ROLLBACK_TOPIC_ARN: rollbackTopic.topicArn,
        RIV_IDEMPOTENCY_TABLE: idempotency.tableName,
        RUST_LOG: 'info',
      };
      if (needs.some((n) => n.startsWith('profiles'))) {
        environment.RIV_PROFILES_TABLE = profiles.tableName;
      }
      if (needs.some((n) => n.startsWith('faces'))) {
        environment.RIV_FACES_TABLE = faces.tableName;
      }
      if (needs.some((n) => ['searchFacesByImage', 'searchFaces', 'indexFaces', 'deleteFaces'].includes(n))) {
        environment.RIV_COLLECTION_ID = collectionId;
      }
      const fn = new lambda.Function(this, `${name}Function`, {
        functionName: `${prefix}-${stage}`,
        description: `riv ${env}: the ${stage} stage`,
        runtime: lambda.Runtime.PROVIDED_AL2023,
        architecture: lambda.Architecture.X86_64,
        handler: 'bootstrap',
        code: lambda.Code.fromAsset(codeDir),
        timeout: props.stageTimeout,
        memorySize: props.stageMemoryMb,
        environment,
        logGroup: new logs.LogGroup(this, `${name}Logs`, {
          logGroupName: `/aws/lambda/${prefix}-${stage}`,
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: removal,
        }),
      });
      fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));

      idempotency.grantReadWriteData(fn);
      bus.grantPutEventsTo(fn);
      outcomes.grantPublish(fn);
      rollbackTopic.grantPublish(fn);
      const rekognition = (actions: string[], resources: string[]) =>
        fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
      for (const need of needs) {
        switch (need) {
          case 'readRequests':
            bucket.grantRead(fn, `${REQUESTS_PREFIX}*`);
            break;
          case 'deleteRequests':
            bucket.grantDelete(fn, `${REQUESTS_PREFIX}*`);
            break;
          case 'profilesRead':
            profiles.grantReadData(fn);
            break;
          case 'profilesWrite':
            profiles.grantReadWriteData(fn);
            break;
          case 'profilesDelete':
            profiles.grantReadData(fn);
            profiles.grant(fn, 'dynamodb:DeleteItem');
            break;
          case 'facesRead':
            faces.grantReadData(fn);
            break;
          case 'facesWrite':
            faces.grantReadWriteData(fn);
            break;
          // No resource-level permissions exist for these two (see ACTIONS_WITHOUT_RESOURCES).
          case 'detectFaces':
            rekognition(['rekognition:DetectFaces'], ['*']);
            break;
          case 'compareFaces':
            rekognition(['rekognition:CompareFaces'], ['*']);
            break;
          case 'searchFacesByImage':
            rekognition(['rekognition:SearchFacesByImage'], [collectionArn]);
            break;
          case 'searchFaces':
            rekognition(['rekognition:SearchFaces', 'rekognition:ListFaces'], [collectionArn]);
            break;
          case 'indexFaces':
            rekognition(['rekognition:IndexFaces'], [collectionArn]);
            break;
          case 'deleteFaces':
            rekognition(['rekognition:DeleteFaces'], [collectionArn]);
            break;
        }
      }
      fn.node.addDependency(collection);
      stages[stage] = { queue, deadLetterQueue, function: fn };
    }
    this.stages = stages;

    // Manifests only: S3 sends every object-created event to the account's
    // default bus; this rule passes those of `requests/{id}/manifest.json`
    // to intake, whole (intake reads the EventBridge shape).
    const intake = stages['intake'];
    new events.Rule(this, 'ManifestCreated', {
      description: `riv ${env}: manifests → intake`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucketName] },
          object: { key: [{ wildcard: `${REQUESTS_PREFIX}*/manifest.json` }] },
        },
      },
      targets: [new targets.SqsQueue(intake.queue)],
    });

    // One rule per routing edge; the queue receives the event's `detail`,
    // which is the riv envelope exactly as the embedded bus delivers it.
    for (const edge of props.routing.edges) {
      new events.Rule(this, edgeId(edge), {
        eventBus: bus,
        description: `riv ${env}: ${edge.workflow} ${edge.event_type} → ${edge.target}`,
        eventPattern: {
          source: [EVENT_SOURCE],
          detailType: [edge.event_type],
          detail: { workflow: [edge.workflow] },
        },
        targets: [
          new targets.SqsQueue(stages[edge.target].queue, {
            message: events.RuleTargetInput.fromEventPath('$.detail'),
          }),
        ],
      });
    }

    rollbackTopic.addSubscription(new subs.SqsSubscription(stages['rollback'].queue, { rawMessageDelivery: true }));

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('BucketName', bucket.bucketName, 'Upload requests here: requests/{request_id}/…, the manifest last');
    output('KeyArn', key.keyArn, 'KMS key of the bucket, queues, topics and tables (uploaders need kms:GenerateDataKey)');
    output('OutcomesTopicArn', outcomes.topicArn, 'Subscribe apps here; filter on the outcome, workflow and reason attributes');
    output('EventBusName', bus.eventBusName, 'The pipeline bus');
    output('CollectionId', collectionId, 'The Rekognition collection');
    output('AlarmTopicArn', alarmTopic.topicArn, 'Dead-letter and queue-age alarms');
    output('ProfilesTableName', profiles.tableName, 'Profiles, one item per user id');
  }
}

function pascal(stage: string): string {
  return stage
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
