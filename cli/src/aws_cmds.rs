//! `riv worker` and `riv aws provision`: the stage consumers as long-running
//! SQS workers (ECS, EC2, or a laptop against emulators), and the resources
//! they need created on an AWS-compatible emulator (docs/deploy.md).

use std::time::Duration;

use anyhow::{Context, Result, bail};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use riv_events::Stage;
use riv_lambda::compose::{Clients, pipeline};
use riv_lambda::config::AwsSettings;
use riv_lambda::provision::provision;
use riv_lambda::worker::{WorkerPlan, WorkerSettings, run_plan};
use tokio_util::sync::CancellationToken;

/// Where the AWS APIs are.
#[derive(Debug, clap::Args)]
pub struct AwsTarget {
    /// One endpoint for every AWS service (an emulator); the SDK's usual
    /// sources (`AWS_ENDPOINT_URL`, or AWS itself) when unset.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Rekognition's own endpoint, e.g. `riv rekognition-endpoint`'s.
    #[arg(long, env = "AWS_ENDPOINT_URL_REKOGNITION")]
    pub rekognition_endpoint_url: Option<String>,
    /// Textract's own endpoint, e.g. `riv rekognition-endpoint`'s (it
    /// serves `AnalyzeID` too).
    #[arg(long, env = "AWS_ENDPOINT_URL_TEXTRACT")]
    pub textract_endpoint_url: Option<String>,
    /// The region; the SDK's usual sources when unset.
    #[arg(long)]
    pub region: Option<String>,
}

impl AwsTarget {
    async fn sdk_config(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        loader.load().await
    }

    async fn clients(&self) -> Clients {
        let sdk = self.sdk_config().await;
        let mut clients = Clients::new(&sdk);
        if let Some(url) = &self.rekognition_endpoint_url {
            clients = clients.with_rekognition_endpoint(&sdk, url);
        }
        if let Some(url) = &self.textract_endpoint_url {
            clients = clients.with_textract_endpoint(&sdk, url);
        }
        clients
    }
}

/// `riv worker`'s options; the resources come from the `RIV_*` variables
/// the CDK app sets on functions (docs/deploy.md).
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    /// Stages to consume (repeat the flag); every stage when none is named.
    #[arg(long = "stage", value_parser = parse_stage)]
    pub stages: Vec<Stage>,
    /// Also drain every stage's dead-letter queue into the parked queue.
    #[arg(long)]
    pub dead_letters: bool,
    /// Messages handled at once per queue.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Visibility of a received message, extended while it is handled.
    #[arg(long, default_value_t = 60)]
    pub visibility_secs: u64,
    #[command(flatten)]
    pub target: AwsTarget,
}

fn parse_stage(name: &str) -> Result<Stage, String> {
    Stage::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown stage {name:?}; one of {}", known.join(", "))
    })
}

/// `riv aws` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AwsCommand {
    /// Create riv's queues, bus, rules, topics, tables, collection and bucket
    /// on an AWS-compatible emulator, and print the variables `riv worker` needs.
    Provision {
        /// Names' prefix: queues `PREFIX-STAGE`, bus `PREFIX`, bucket `PREFIX-bucket`.
        #[arg(long, default_value = "riv-local")]
        prefix: String,
        #[command(flatten)]
        target: AwsTarget,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Runs the workers until Ctrl-C or SIGTERM, then lets the messages in hand finish.
pub fn worker(args: WorkerArgs, settings: AwsSettings) -> Result<()> {
    let Some(prefix) = settings.queue_prefix.clone() else {
        bail!("RIV_QUEUE_PREFIX is not set: workers find their queues as PREFIX-STAGE");
    };
    let stages = if args.stages.is_empty() {
        Stage::ALL.to_vec()
    } else {
        args.stages.clone()
    };
    runtime()?.block_on(async move {
        let clients = args.target.clients().await;
        let pipeline = std::sync::Arc::new(pipeline(&clients, &settings));
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            crate::run::wait_for_signal().await;
            eprintln!("stopping: finishing the messages in hand");
            stop.cancel();
        });
        let plan = WorkerPlan {
            prefix,
            stages,
            dead_letters: args.dead_letters,
            settings: WorkerSettings {
                concurrency: args.concurrency,
                wait: Duration::from_secs(20),
                visibility: Duration::from_secs(args.visibility_secs.max(10)),
            },
        };
        run_plan(pipeline, clients.sqs.clone(), plan, shutdown).await?;
        Ok(())
    })
}

/// Creates the resources and prints `export` lines for them.
pub fn run(command: AwsCommand) -> Result<()> {
    match command {
        AwsCommand::Provision { prefix, target } => runtime()?.block_on(async move {
            let made = provision(&target.clients().await, &prefix).await?;
            let settings = made.settings();
            let mut out = String::new();
            for (name, value) in [
                ("RIV_BUCKET", Some(&settings.bucket)),
                ("RIV_EVENT_BUS", Some(&settings.event_bus)),
                ("RIV_OUTCOMES_TOPIC_ARN", Some(&settings.outcomes_topic_arn)),
                ("RIV_ROLLBACK_TOPIC_ARN", Some(&settings.rollback_topic_arn)),
                ("RIV_IDEMPOTENCY_TABLE", Some(&settings.idempotency_table)),
                ("RIV_PROFILES_TABLE", settings.profiles_table.as_ref()),
                ("RIV_FACES_TABLE", settings.faces_table.as_ref()),
                ("RIV_COLLECTION_ID", settings.collection_id.as_ref()),
                ("RIV_QUEUE_PREFIX", settings.queue_prefix.as_ref()),
            ] {
                if let Some(value) = value {
                    out.push_str(&format!("export {name}={value}\n"));
                }
            }
            use std::io::Write;
            std::io::stdout().write_all(out.as_bytes())?;
            Ok(())
        }),
    }
}
