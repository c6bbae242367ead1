//! The dead-letter function: ends the requests whose messages every stage's
//! dead-letter queue received, rolls them back, and parks the messages.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    riv_lambda::function::run(riv_lambda::function::Consumes::DeadLetters).await
}
