//! `--target local|aws`: which riv the client commands talk to, and the
//! connection to it. For `aws` the SDK configuration is loaded here, once,
//! and the temporary outcome subscription is removed when the command ends,
//! also when it fails or is interrupted.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use riv_client::aws::aws_config::{self, BehaviorVersion, Region};
use riv_client::{AwsClient, AwsTarget, Client, ClientError, PreparedRequest, Transport};
use riv_events::outcome::OutcomeEnvelope;

/// Which riv the client commands talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetKind {
    /// `riv run` on this machine (or wherever --endpoint points), over HTTP.
    Local,
    /// An AWS deployment: requests go to its bucket, outcomes come from its
    /// outcomes topic.
    Aws,
}

/// The target options, shared by every client command.
#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// Where riv runs: local (`riv run`, at --endpoint) or aws (a deployment).
    #[arg(long, env = "RIV_TARGET", value_enum, default_value_t = TargetKind::Local)]
    pub target: TargetKind,
    /// The deployment's bucket (--target aws).
    #[arg(long, env = "RIV_BUCKET", required_if_eq("target", "aws"))]
    bucket: Option<String>,
    /// The deployment's outcomes topic (--target aws).
    #[arg(
        long,
        value_name = "ARN",
        env = "RIV_OUTCOMES_TOPIC_ARN",
        required_if_eq("target", "aws")
    )]
    outcomes_topic_arn: Option<String>,
    /// An AWS endpoint to use instead of AWS's own, e.g. an emulator's (--target aws; S3 then uses path-style addresses).
    #[arg(long, value_name = "URL", env = "AWS_ENDPOINT_URL")]
    endpoint_url: Option<String>,
    /// The AWS region [default: the SDK's, from AWS_REGION or the profile] (--target aws).
    #[arg(long)]
    region: Option<String>,
}

/// A connected target.
#[derive(Debug)]
pub enum Connected {
    /// `riv run`'s HTTP API.
    Local(Client),
    /// An AWS deployment, with this command's outcome subscription.
    Aws(AwsClient),
}

impl Transport for Connected {
    async fn run(
        &self,
        request: PreparedRequest,
        timeout: Duration,
    ) -> Result<OutcomeEnvelope, ClientError> {
        match self {
            Self::Local(client) => Transport::run(client, request, timeout).await,
            Self::Aws(client) => client.run(request, timeout).await,
        }
    }
}

/// Why a target could not be connected.
#[derive(Debug)]
pub enum ConnectError {
    /// The client could not be made, or could not subscribe to outcomes.
    Client(ClientError),
    /// The SDK found no region.
    NoRegion,
}

impl From<ClientError> for ConnectError {
    fn from(err: ClientError) -> Self {
        Self::Client(err)
    }
}

impl ConnectError {
    /// Prints the error on standard error; returns its exit code.
    pub fn report(&self) -> i32 {
        match self {
            Self::Client(err) => super::report_error(err),
            Self::NoRegion => {
                eprintln!(
                    "error: no AWS region: give --region, or set AWS_REGION or a region in the AWS profile"
                );
                super::EXIT_USAGE
            }
        }
    }
}

/// Connects the target, runs `work` with it and closes it again. On AWS a
/// Ctrl-C or SIGTERM from the start on stops the work (`Ok(None)`), and the
/// subscription is removed all the same.
pub async fn with_target<T>(
    args: &TargetArgs,
    endpoint: &str,
    work: impl AsyncFnOnce(&Connected) -> T,
) -> Result<Option<T>, ConnectError> {
    let (TargetKind::Aws, Some(bucket), Some(topic)) =
        (args.target, &args.bucket, &args.outcomes_topic_arn)
    else {
        let connected = Connected::Local(Client::new(endpoint)?);
        return Ok(Some(work(&connected).await));
    };
    // In place before the subscription exists: an interruption while it is
    // made is noticed once it is, and it is removed.
    let interrupted = interruption();
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = &args.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &args.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let sdk = loader.load().await;
    if sdk.region().is_none() {
        return Err(ConnectError::NoRegion);
    }
    let target = AwsTarget {
        bucket: bucket.clone(),
        outcomes_topic_arn: topic.clone(),
        path_style: args.endpoint_url.is_some(),
    };
    let client = AwsClient::connect(&sdk, target).await?;
    let connected = Connected::Aws(client);
    let result = tokio::select! {
        result = work(&connected) => Some(result),
        () = interrupted => None,
    };
    connected.close().await;
    Ok(result)
}

/// Completes on Ctrl-C or SIGTERM. The handlers are in place when this
/// returns, not only once the future is first polled.
fn interruption() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            return Box::pin(async move {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            });
        }
    }
    Box::pin(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
impl Connected {
    /// Removes the AWS subscription and its queue; a failure is reported on
    /// standard error with what to delete by hand.
    pub async fn close(self) {
        if let Self::Aws(client) = self {
            let queue = client.queue_url().to_owned();
            if let Err(err) = client.close().await {
                eprintln!("warning: {err}");
                eprintln!(
                    "warning: delete the temporary queue {queue} and its subscription to the outcomes topic by hand"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Args {
        #[command(flatten)]
        target: TargetArgs,
    }

    #[test]
    fn local_is_the_default_and_aws_needs_a_bucket_and_a_topic() {
        let args = Args::try_parse_from(["riv"]).unwrap();
        assert_eq!(args.target.target, TargetKind::Local);
        let err = Args::try_parse_from(["riv", "--target", "aws", "--bucket", "b"]).unwrap_err();
        assert!(err.to_string().contains("--outcomes-topic-arn"), "{err}");
        let args = Args::try_parse_from([
            "riv",
            "--target",
            "aws",
            "--bucket",
            "riv-dev-bucket",
            "--outcomes-topic-arn",
            "arn:aws:sns:eu-west-1:123456789012:riv-dev-outcomes",
            "--region",
            "eu-west-1",
        ])
        .unwrap();
        assert_eq!(args.target.target, TargetKind::Aws);
        assert_eq!(args.target.bucket.as_deref(), Some("riv-dev-bucket"));
        assert_eq!(args.target.region.as_deref(), Some("eu-west-1"));
    }
}
