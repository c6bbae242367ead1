//! The `face_match` stage as a Lambda function.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    riv_lambda::function::run(riv_lambda::function::Consumes::Stage(
        riv_events::Stage::FaceMatch,
    ))
    .await
}
