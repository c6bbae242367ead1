//! The moto server (S3, SQS, SNS) on 127.0.0.1, started once per test
//! binary by the AWS adapter tests' emulator module, which these tests share.
//! It is installed by `tools/emulators/setup.sh` into the user's cache
//! directory; when it is missing a test is skipped with the reason, except
//! under `CI=true`.

pub mod deployment;

#[path = "../../../infra/aws/tests/support/mod.rs"]
mod emulators;

pub use emulators::{MotoServer, moto_server};

/// SDK config for the emulator: static test credentials, the given region
/// (each test takes its own, so listings see only its own queues).
pub async fn sdk_config(server: &MotoServer, region: &'static str) -> aws_config::SdkConfig {
    emulators::sdk_config_in(&server.endpoint, region).await
}
