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
import { SqsEventSource, SqsEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

import { DEAD_LETTER_FUNCTION } from './artefacts';
import { edgeId, RoutingArtifact } from './routing';

/** The `source` of every event the stages put on the bus. */
export const EVENT_SOURCE = 'riv.pipeline';

/** Where requests' objects live; manifests are `requests/{request_id}/manifest.json`. */
export const REQUESTS_PREFIX = 'requests/';

/**
 * The faces table's index by user id. Only `order#{n}` items carry a
 * `user_id`, so the index holds nothing else.
 */
export const FACES_BY_USER_INDEX = 'by_user';

/** What one function may touch beyond what every function gets. */
export type Need =
  | 'readRequests'
  | 'deleteRequests'
  | 'profilesRead'
  | 'profilesWrite'
  | 'profilesDelete'
  | 'facesRead'
  | 'facesWrite'
  | 'detectFaces'
  /** CompareFaces against the user's stored faces (the collection's adapter). */
  | 'compareFaces'
  /** CompareFaces between two request images (the selfie and a document). */
  | 'compareImages'
  | 'searchFacesByImage'
  | 'searchFaces'
  | 'indexFaces'
  | 'deleteFaces'
  /** Textract AnalyzeID on a request's document pages. */
  | 'analyzeId';

/**
 * Each stage's needs. Every stage also consumes its own queue, sends to its
 * own dead-letter queue, reads and writes the idempotency table, puts events
 * on the bus and publishes to the outcomes and rollback topics.
 */
export const STAGE_NEEDS: Readonly<Record<string, readonly Need[]>> = {
  intake: ['readRequests', 'profilesRead'],
  quality: ['readRequests', 'detectFaces'],
  duplicate_search: ['readRequests', 'searchFacesByImage', 'facesRead'],
  id_match: ['readRequests', 'detectFaces', 'compareImages', 'analyzeId'],
  face_match: ['readRequests', 'profilesRead', 'compareFaces', 'searchFacesByImage', 'facesRead'],
  index: ['readRequests', 'indexFaces', 'searchFaces', 'facesWrite'],
  profile_write: ['profilesWrite', 'deleteFaces', 'deleteRequests', 'facesWrite'],
  rollback: ['profilesDelete', 'deleteFaces', 'deleteRequests', 'facesWrite'],
};

/**
 * The dead-letter function's needs beyond the common ones: a dead
 * `profile_write` reads the profile to tell what the write did.
 */
export const DEAD_LETTER_NEEDS: readonly Need[] = ['profilesRead'];

/**
 * Needs served by the face-collection adapter, which works on the
 * Rekognition collection and the faces table together: a function with any
 * of them gets both `RIV_COLLECTION_ID` and `RIV_FACES_TABLE`.
 */
export const COLLECTION_NEEDS: readonly Need[] = [
  'compareFaces',
  'searchFacesByImage',
  'searchFaces',
  'indexFaces',
  'deleteFaces',
  'facesRead',
  'facesWrite',
];

/**
 * Rekognition and Textract actions that take their image as an S3 object,
 * which the service reads with the caller's permissions: whoever may call
 * them must also be able to read `requests/*` and decrypt with the key.
 */
export const IMAGE_READING_ACTIONS: readonly string[] = [
  'rekognition:DetectFaces',
  'rekognition:CompareFaces',
  'rekognition:SearchFacesByImage',
  'rekognition:IndexFaces',
  'textract:AnalyzeID',
];

/**
 * Actions that have no resource-level permissions: AWS only accepts
 * `Resource: "*"` for them. Every other statement names a resource.
 */
export const ACTIONS_WITHOUT_RESOURCES: readonly string[] = [
  'rekognition:DetectFaces',
  'rekognition:CompareFaces',
  'textract:AnalyzeID',
];

export interface RivStackProps extends StackProps {
  /** `prod`, `dev`: names the bus (`riv-<env>`), queues, topics, functions and collection. */
  readonly envName: string;
  /** The workflow table exported by the Rust build (`routing.json`). */
  readonly routing: RoutingArtifact;
  /** Holds one directory per stage, and one for the dead-letter function, each with its `bootstrap` executable. */
  readonly lambdaDir: string;
  /** Keep the bucket, tables, collection, key and logs when the stack is deleted (prod). */
  readonly retainData: boolean;
  /** Receives of one message before it moves to its stage's dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Each function's timeout; the queues it consumes have a visibility timeout six times this. */
  readonly stageTimeout: Duration;
  /** Each function's memory. */
  readonly stageMemoryMb: number;
  /** Alarm when a queue's oldest message (stage or dead-letter queue) is older than this. */
  readonly oldestMessageAlarmAge: Duration;
  /** Delete objects under `requests/` this many days after they were written; 0 keeps them. */
  readonly requestObjectExpiryDays: number;
  /** JSON text of pipeline settings that override the defaults (`RIV_PIPELINE_CONFIG`); absent: the defaults. */
  readonly pipelineConfig?: string;
}

/** What the stack makes for one stage. */
export interface StageResources {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: lambda.Function;
}

/** One function drains every dead-letter queue and parks what it handled. */
export interface DeadLetterResources {
  readonly function: lambda.Function;
  /** `riv-<env>-parked`: handled dead letters, for people. */
  readonly parkedQueue: sqs.Queue;
}

/** The stack's DynamoDB tables. */
export interface Tables {
  readonly profiles: dynamodb.Table;
  readonly idempotency: dynamodb.Table;
  readonly faces: dynamodb.Table;
}

/** What the stack's functions share, built once. */
interface Shared {
  readonly env: string;
  readonly prefix: string;
  readonly removal: RemovalPolicy;
  readonly key: kms.Key;
  readonly bucket: s3.Bucket;
  readonly tables: Tables;
  readonly bus: events.EventBus;
  readonly outcomes: sns.Topic;
  readonly rollbackTopic: sns.Topic;
  readonly alarmAction: cloudwatch.IAlarmAction;
  readonly collectionId: string;
  readonly collectionArn: string;
}

/** Every function reads its queues ten messages at a time and reports the ones that failed. */
const QUEUE_BATCH: SqsEventSourceProps = { batchSize: 10, reportBatchItemFailures: true };

/** riv in one AWS environment. */
export class RivStack extends Stack {
  readonly stages: Readonly<Record<string, StageResources>>;
  readonly deadLetters: DeadLetterResources;
  readonly tables: Tables;
  private readonly settings: RivStackProps;

  constructor(scope: Construct, id: string, props: RivStackProps) {
    super(scope, id, props);
    this.settings = props;
    const env = props.envName;
    const prefix = `riv-${env}`;
    const removal = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const key = this.encryptionKey(env, removal);
    const bucket = this.requestsBucket(key, removal);
    this.tables = this.dataTables(key, removal);
    const collectionId = prefix;
    const collectionArn = this.formatArn({ service: 'rekognition', resource: 'collection', resourceName: collectionId });
    const collection = this.faceCollection(collectionId, collectionArn, removal);

    const bus = new events.EventBus(this, 'Bus', { eventBusName: prefix });
    const topic = (id: string, name: string, displayName: string) =>
      new sns.Topic(this, id, { topicName: `${prefix}-${name}`, displayName, masterKey: key, enforceSSL: true });
    const outcomes = topic('Outcomes', 'outcomes', `riv ${env} outcomes`);
    const rollbackTopic = topic('RollbackCommands', 'rollback', `riv ${env} rollback commands`);
    const alarmTopic = topic('Alarms', 'alarms', `riv ${env} alarms`);

    const shared: Shared = {
      env,
      prefix,
      removal,
      key,
      bucket,
      tables: this.tables,
      bus,
      outcomes,
      rollbackTopic,
      alarmAction: new cwActions.SnsAction(alarmTopic),
      collectionId,
      collectionArn,
    };

    const stages: Record<string, StageResources> = {};
    for (const stage of props.routing.stages) {
      stages[stage] = this.stage(shared, stage);
      stages[stage].function.node.addDependency(collection);
    }
    this.stages = stages;
    this.deadLetters = this.deadLetterConsumer(shared, Object.values(stages));

    this.routeManifestsToIntake(shared, stages['intake'].queue);
    this.routeEdges(shared, stages);
    rollbackTopic.addSubscription(new subs.SqsSubscription(stages['rollback'].queue, { rawMessageDelivery: true }));

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('BucketName', bucket.bucketName, 'Upload requests here: requests/{request_id}/…, the manifest last');
    output('KeyArn', key.keyArn, 'KMS key of the bucket, queues, topics and tables (uploaders need kms:GenerateDataKey)');
    output('OutcomesTopicArn', outcomes.topicArn, 'Subscribe apps here; filter on the outcome, workflow and reason attributes');
    output('EventBusName', bus.eventBusName, 'The pipeline bus');
    output('CollectionId', collectionId, 'The Rekognition collection');
    output('AlarmTopicArn', alarmTopic.topicArn, 'Dead-letter, parked and queue-age alarms');
    output('ProfilesTableName', this.tables.profiles.tableName, 'Profiles, one item per user id');
    output('ParkedQueueUrl', this.deadLetters.parkedQueue.queueUrl, 'Handled dead letters, for people to inspect or replay');
  }

  private encryptionKey(env: string, removal: RemovalPolicy): kms.Key {
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
    return key;
  }

  private requestsBucket(key: kms.Key, removal: RemovalPolicy): s3.Bucket {
    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ];
    if (this.settings.requestObjectExpiryDays > 0) {
      lifecycleRules.push({
        id: 'expire-request-objects',
        prefix: REQUESTS_PREFIX,
        expiration: Duration.days(this.settings.requestObjectExpiryDays),
      });
    }
    return new s3.Bucket(this, 'Bucket', {
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
      autoDeleteObjects: !this.settings.retainData,
    });
  }

  private dataTables(key: kms.Key, removal: RemovalPolicy): Tables {
    const tableDefaults = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: this.settings.retainData,
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
    // What Rekognition does not keep: the order faces were indexed in
    // (`counter#order`, `order#{n}`), index tokens (`token#{token}`) and,
    // through the index, every face of a user.
    const faces = new dynamodb.Table(this, 'Faces', {
      ...tableDefaults,
      partitionKey: { name: 'key', type: dynamodb.AttributeType.STRING },
    });
    faces.addGlobalSecondaryIndex({
      indexName: FACES_BY_USER_INDEX,
      partitionKey: { name: 'user_id', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    return { profiles, idempotency, faces };
  }

  private faceCollection(collectionId: string, collectionArn: string, removal: RemovalPolicy): cr.AwsCustomResource {
    return new cr.AwsCustomResource(this, 'Collection', {
      resourceType: 'Custom::RekognitionCollection',
      onCreate: {
        service: 'Rekognition',
        action: 'CreateCollection',
        parameters: { CollectionId: collectionId },
        physicalResourceId: cr.PhysicalResourceId.of(collectionId),
        // A collection prod kept from an earlier stack is taken over.
        ignoreErrorCodesMatching: 'ResourceAlreadyExistsException',
      },
      onDelete: this.settings.retainData
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
  }

  /** A stage's queue, dead-letter queue, alarms and function. */
  private stage(shared: Shared, stage: string): StageResources {
    const needs = STAGE_NEEDS[stage];
    if (needs === undefined) {
      throw new Error(`routing.json names stage ${stage}, which this app has no permissions for`);
    }
    const name = pascal(stage);
    // Consumed by the dead-letter function, so it needs the same visibility timeout as a stage queue.
    const deadLetterQueue = this.queue(shared, `${name}Dlq`, `${stage}-dlq`, {
      visibilityTimeout: this.consumedQueueVisibility(),
      retentionPeriod: Duration.days(14),
    });
    const queue = this.queue(shared, `${name}Queue`, stage, {
      visibilityTimeout: this.consumedQueueVisibility(),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: this.settings.maxReceiveCount },
    });
    this.ageAlarm(shared, `${name}AgeAlarm`, stage, queue, `${stage}'s oldest message`);
    this.ageAlarm(
      shared,
      `${name}DlqAgeAlarm`,
      `${stage}-dlq`,
      deadLetterQueue,
      `${stage}'s oldest dead letter (the dead-letter function keeps failing on it)`,
    );

    const fn = this.rivFunction(shared, name, stage, `the ${stage} stage`, {
      ...this.commonEnvironment(shared),
      ...this.needsEnvironment(shared, needs),
      RIV_STAGE: stage,
      // A message the driver can never process goes straight here.
      RIV_DEAD_LETTER_QUEUE_URL: deadLetterQueue.queueUrl,
    });
    fn.addEventSource(new SqsEventSource(queue, QUEUE_BATCH));
    deadLetterQueue.grantSendMessages(fn);
    this.grantCommon(shared, fn);
    this.grantNeeds(shared, fn, needs);
    return { queue, deadLetterQueue, function: fn };
  }

  /**
   * The `dead_letter` function on every dead-letter queue: it ends the
   * request `failed`/`retries_exhausted`, publishes the rollback, then moves
   * the message to the parked queue. Dead-letter queues have no dead-letter
   * queue of their own: a dead letter the function keeps failing on stays
   * (and its age alarm fires) rather than being parked unhandled.
   */
  private deadLetterConsumer(shared: Shared, stages: readonly StageResources[]): DeadLetterResources {
    const parkedQueue = this.queue(shared, 'ParkedQueue', 'parked', { retentionPeriod: Duration.days(14) });
    this.alarm(shared, 'ParkedAlarm', {
      alarmName: `${shared.prefix}-parked-not-empty`,
      alarmDescription: `riv ${shared.env}: dead letters are parked for people to look at`,
      metric: parkedQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      evaluationPeriods: 1,
    });

    const fn = this.rivFunction(
      shared,
      'DeadLetter',
      DEAD_LETTER_FUNCTION,
      "every stage's dead letters: fail the request, roll it back, park the message",
      {
        ...this.commonEnvironment(shared),
        ...this.needsEnvironment(shared, DEAD_LETTER_NEEDS),
        // An event source ARN's queue `<prefix>-<stage>-dlq` names the stage.
        RIV_QUEUE_PREFIX: shared.prefix,
        RIV_PARKED_QUEUE_URL: parkedQueue.queueUrl,
      },
    );
    for (const { deadLetterQueue } of stages) {
      fn.addEventSource(new SqsEventSource(deadLetterQueue, QUEUE_BATCH));
    }
    parkedQueue.grantSendMessages(fn);
    // The bus too: a stage that decided but could not publish has its stored
    // outputs, pipeline events included, published by the dead-letter path.
    this.grantCommon(shared, fn);
    this.grantNeeds(shared, fn, DEAD_LETTER_NEEDS);
    return { function: fn, parkedQueue };
  }

  /** A KMS-encrypted, TLS-only queue named `<prefix>-<name>`. */
  private queue(
    shared: Shared,
    id: string,
    name: string,
    props: Pick<sqs.QueueProps, 'visibilityTimeout' | 'retentionPeriod' | 'deadLetterQueue'>,
  ): sqs.Queue {
    return new sqs.Queue(this, id, {
      queueName: `${shared.prefix}-${name}`,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: shared.key,
      enforceSSL: true,
      ...props,
    });
  }

  /** Six times the function timeout, as Lambda recommends for a queue a function consumes. */
  private consumedQueueVisibility(): Duration {
    return Duration.seconds(this.settings.stageTimeout.toSeconds() * 6);
  }

  private alarm(
    shared: Shared,
    id: string,
    props: Pick<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription' | 'metric' | 'threshold' | 'evaluationPeriods'>,
  ): void {
    new cloudwatch.Alarm(this, id, {
      ...props,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(shared.alarmAction);
  }

  /** `<prefix>-<name>-oldest-message-age`: the queue's oldest message is older than the configured age for 3 minutes. */
  private ageAlarm(shared: Shared, id: string, name: string, queue: sqs.Queue, what: string): void {
    const age = this.settings.oldestMessageAlarmAge.toSeconds();
    this.alarm(shared, id, {
      alarmName: `${shared.prefix}-${name}-oldest-message-age`,
      alarmDescription: `riv ${shared.env}: ${what} is older than ${age} s`,
      metric: queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: age,
      evaluationPeriods: 3,
    });
  }

  /** A function named `<prefix>-<name>` running `<lambdaDir>/<name>/bootstrap`. */
  private rivFunction(
    shared: Shared,
    constructName: string,
    name: string,
    description: string,
    environment: Record<string, string>,
  ): lambda.Function {
    const codeDir = path.join(this.settings.lambdaDir, name);
    if (!fs.existsSync(path.join(codeDir, 'bootstrap'))) {
      throw new Error(
        `${codeDir}/bootstrap is missing: build the Lambda artefacts first (docs/deploy.md), or set the lambdaDir context`,
      );
    }
    return new lambda.Function(this, `${constructName}Function`, {
      functionName: `${shared.prefix}-${name}`,
      description: `riv ${shared.env}: ${description}`,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.X86_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(codeDir),
      timeout: this.settings.stageTimeout,
      memorySize: this.settings.stageMemoryMb,
      environment,
      logGroup: new logs.LogGroup(this, `${constructName}Logs`, {
        logGroupName: `/aws/lambda/${shared.prefix}-${name}`,
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: shared.removal,
      }),
    });
  }

  /** What every function is told. */
  private commonEnvironment(shared: Shared): Record<string, string> {
    const environment: Record<string, string> = {
      RIV_ENV: shared.env,
      RIV_BUCKET: shared.bucket.bucketName,
      RIV_EVENT_BUS: shared.bus.eventBusName,
      RIV_EVENT_SOURCE: EVENT_SOURCE,
      RIV_OUTCOMES_TOPIC_ARN: shared.outcomes.topicArn,
      RIV_ROLLBACK_TOPIC_ARN: shared.rollbackTopic.topicArn,
      RIV_IDEMPOTENCY_TABLE: shared.tables.idempotency.tableName,
      RUST_LOG: 'info',
    };
    if (this.settings.pipelineConfig !== undefined) {
      environment.RIV_PIPELINE_CONFIG = this.settings.pipelineConfig;
    }
    return environment;
  }

  /** The tables and collection a function's needs name. */
  private needsEnvironment(shared: Shared, needs: readonly Need[]): Record<string, string> {
    const environment: Record<string, string> = {};
    if (needs.some((n) => n.startsWith('profiles'))) {
      environment.RIV_PROFILES_TABLE = shared.tables.profiles.tableName;
    }
    if (needs.some((n) => COLLECTION_NEEDS.includes(n))) {
      environment.RIV_FACES_TABLE = shared.tables.faces.tableName;
      environment.RIV_COLLECTION_ID = shared.collectionId;
    }
    return environment;
  }

  /** What every function may do besides consuming its queues. */
  private grantCommon(shared: Shared, fn: lambda.Function): void {
    shared.tables.idempotency.grantReadWriteData(fn);
    shared.bus.grantPutEventsTo(fn);
    shared.outcomes.grantPublish(fn);
    shared.rollbackTopic.grantPublish(fn);
  }

  private grantNeeds(shared: Shared, fn: lambda.Function, needs: readonly Need[]): void {
    const { bucket, tables } = shared;
    // Rekognition's and Textract's statements.
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
          tables.profiles.grantReadData(fn);
          break;
        case 'profilesWrite':
          tables.profiles.grantReadWriteData(fn);
          break;
        case 'profilesDelete':
          tables.profiles.grantReadData(fn);
          tables.profiles.grant(fn, 'dynamodb:DeleteItem');
          break;
        // Both cover the table's indexes too (`by_user`).
        case 'facesRead':
          tables.faces.grantReadData(fn);
          break;
        case 'facesWrite':
          tables.faces.grantReadWriteData(fn);
          break;
        // No resource-level permissions exist for these (see ACTIONS_WITHOUT_RESOURCES).
        case 'analyzeId':
          rekognition(['textract:AnalyzeID'], ['*']);
          break;
        case 'detectFaces':
          rekognition(['rekognition:DetectFaces'], ['*']);
          break;
        case 'compareFaces':
        case 'compareImages':
          rekognition(['rekognition:CompareFaces'], ['*']);
          break;
        case 'searchFacesByImage':
          rekognition(['rekognition:SearchFacesByImage'], [shared.collectionArn]);
          break;
        case 'searchFaces':
          rekognition(['rekognition:SearchFaces', 'rekognition:ListFaces'], [shared.collectionArn]);
          break;
        case 'indexFaces':
          rekognition(['rekognition:IndexFaces'], [shared.collectionArn]);
          break;
        case 'deleteFaces':
          rekognition(['rekognition:DeleteFaces'], [shared.collectionArn]);
          break;
      }
    }
  }

  /**
   * Manifests only: S3 sends every object-created event to the account's
   * default bus; this rule passes those of `requests/{id}/manifest.json` to
   * intake, whole (intake reads the EventBridge shape).
   */
  private routeManifestsToIntake(shared: Shared, intakeQueue: sqs.Queue): void {
    new events.Rule(this, 'ManifestCreated', {
      description: `riv ${shared.env}: manifests → intake`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [shared.bucket.bucketName] },
          object: { key: [{ wildcard: `${REQUESTS_PREFIX}*/manifest.json` }] },
        },
      },
      targets: [new targets.SqsQueue(intakeQueue)],
    });
  }

  /**
   * One rule per routing edge; the queue receives the event's `detail`,
   * which is the riv envelope exactly as the embedded bus delivers it.
   */
  private routeEdges(shared: Shared, stages: Readonly<Record<string, StageResources>>): void {
    for (const edge of this.settings.routing.edges) {
      new events.Rule(this, edgeId(edge), {
        eventBus: shared.bus,
        description: `riv ${shared.env}: ${edge.workflow} ${edge.event_type} → ${edge.target}`,
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
  }
}

function pascal(stage: string): string {
  return stage
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
