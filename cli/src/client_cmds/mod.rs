//! The commands that talk to a running riv: register, auth, update, user
//! get/delete and backfill; over `riv run`'s HTTP API, or with `--target aws`
//! through an AWS deployment's bucket and outcomes topic.
//!
//! Exit codes (also in each command's help): 0 success, 1 the request was
//! denied or failed, 2 a usage error or an unusable picture or source, 3 riv
//! could not be reached or did not answer in time.

mod backfill_cmd;
mod print;
mod target;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;
use riv_client::{Client, ClientError, Picture, PreparedRequest, Transport};
use riv_events::{UserId, Workflow};

use target::{TargetArgs, TargetKind, with_target};

/// The exit codes, for the commands' help.
const EXIT_CODES: &str = "Exit codes: 0 success (registered, verified, updated, found, deleted); \
1 denied, failed or no such user, or refused by AWS; 2 usage error or unusable picture; \
3 riv (or AWS) unreachable or no outcome in time; 130 interrupted (--target aws).";

/// Exit code: the request was denied or failed.
const EXIT_REFUSED: i32 = 1;
/// Exit code: the command line, picture or source is unusable.
const EXIT_USAGE: i32 = 2;
/// Exit code: riv could not be reached or did not answer in time.
const EXIT_UNREACHABLE: i32 = 3;
/// Exit code: stopped by Ctrl-C or SIGTERM (128 + SIGINT, as a shell shows).
const EXIT_INTERRUPTED: i32 = 130;

/// The client commands, flattened into `riv`'s own.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a new user from a selfie.
    #[command(after_help = EXIT_CODES)]
    Register {
        #[command(flatten)]
        selfie: SelfieArgs,
        /// A profile property; repeat for several.
        #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_property)]
        properties: Vec<(String, String)>,
    },
    /// Register a new user from a selfie and an identity document.
    #[command(name = "register-idcard", after_help = EXIT_CODES)]
    RegisterIdcard {
        #[command(flatten)]
        selfie: SelfieArgs,
        /// The document's front, with its portrait: a JPEG, PNG or WebP file.
        #[arg(short = 'c', long = "card", value_name = "CARD_FRONT")]
        card: PathBuf,
        /// The document's back, where a licence has its barcode.
        #[arg(long = "back", value_name = "CARD_BACK")]
        back: Option<PathBuf>,
        /// A profile property; repeat for several. `first_name`, `last_name`
        /// and `date_of_birth` (ISO 8601) are held to the document.
        #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_property)]
        properties: Vec<(String, String)>,
    },
    /// Check that a selfie is the user it claims to be.
    #[command(after_help = EXIT_CODES)]
    Auth {
        #[command(flatten)]
        selfie: SelfieArgs,
    },
    /// Add a newer selfie to an existing user.
    #[command(after_help = EXIT_CODES)]
    Update {
        #[command(flatten)]
        selfie: SelfieArgs,
        /// A profile property; repeat for several.
        #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_property)]
        properties: Vec<(String, String)>,
    },
    /// Look at or delete a user's profile.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Register existing users in bulk, resumably.
    #[command(after_help = backfill_cmd::AFTER_HELP)]
    Backfill(backfill_cmd::BackfillArgs),
}

/// `riv user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Print a user's profile.
    #[command(after_help = EXIT_CODES)]
    Get {
        /// The user.
        user: UserId,
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Delete a user with their faces and stored pictures.
    #[command(after_help = EXIT_CODES)]
    Delete {
        /// The user.
        user: UserId,
        #[command(flatten)]
        conn: ConnArgs,
    },
}

/// Who and which picture.
#[derive(Debug, clap::Args)]
pub struct SelfieArgs {
    /// The user.
    #[arg(short = 'u', long = "user", value_name = "USER")]
    user: UserId,
    /// The selfie: a JPEG, PNG or WebP file.
    #[arg(short = 'p', long = "picture", value_name = "PICTURE")]
    picture: PathBuf,
    #[command(flatten)]
    conn: ConnArgs,
}

/// Where riv is and how to answer.
#[derive(Debug, clap::Args)]
pub struct ConnArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// riv's HTTP endpoint (--target local).
    #[arg(long, env = "RIV_ENDPOINT", default_value = riv_client::DEFAULT_ENDPOINT)]
    endpoint: String,
    /// Seconds to wait for an outcome.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
    /// Print the server's JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl ConnArgs {
    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }
}

fn parse_property(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// Runs a client command on a runtime of its own; returns the exit code.
pub fn run(command: ClientCommand) -> Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(dispatch(command))
}

async fn dispatch(command: ClientCommand) -> Result<i32> {
    match command {
        ClientCommand::Register { selfie, properties } => {
            request(Workflow::Register, selfie, properties).await
        }
        ClientCommand::RegisterIdcard {
            selfie,
            card,
            back,
            properties,
        } => idcard(selfie, card, back, properties).await,
        ClientCommand::Auth { selfie } => request(Workflow::Auth, selfie, Vec::new()).await,
        ClientCommand::Update { selfie, properties } => {
            request(Workflow::Update, selfie, properties).await
        }
        ClientCommand::User { command } => user(command).await,
        ClientCommand::Backfill(args) => backfill_cmd::run(args).await,
    }
}

/// Sends one selfie request and prints its outcome.
async fn request(
    workflow: Workflow,
    args: SelfieArgs,
    properties: Vec<(String, String)>,
) -> Result<i32> {
    // A picture that cannot be sent is known before connecting anywhere.
    let picture = match Picture::read(&args.picture).await {
        Ok(picture) => picture,
        Err(err) => return Ok(report_error(&err.into())),
    };
    let properties: BTreeMap<String, String> = properties.into_iter().collect();
    let prepared = match PreparedRequest::selfie(workflow, args.user, picture, properties) {
        Ok(prepared) => prepared,
        Err(err) => return Ok(report_error(&err)),
    };
    send(prepared, &args.conn).await
}

/// Sends a register-idcard request and prints its outcome.
async fn idcard(
    args: SelfieArgs,
    card: PathBuf,
    back: Option<PathBuf>,
    properties: Vec<(String, String)>,
) -> Result<i32> {
    let mut pictures = Vec::new();
    for path in std::iter::once(&args.picture)
        .chain([&card])
        .chain(back.as_ref())
    {
        match Picture::read(path).await {
            Ok(picture) => pictures.push(picture),
            Err(err) => return Ok(report_error(&err.into())),
        }
    }
    let mut pictures = pictures.into_iter();
    let (Some(selfie), Some(front)) = (pictures.next(), pictures.next()) else {
        anyhow::bail!("the selfie and the card were read, yet are missing");
    };
    let properties: BTreeMap<String, String> = properties.into_iter().collect();
    let prepared =
        match PreparedRequest::idcard(args.user, selfie, front, pictures.next(), properties) {
            Ok(prepared) => prepared,
            Err(err) => return Ok(report_error(&err)),
        };
    send(prepared, &args.conn).await
}

/// Submits a prepared request through the chosen target and prints its outcome.
async fn send(prepared: PreparedRequest, conn: &ConnArgs) -> Result<i32> {
    let sent = with_target(&conn.target, &conn.endpoint, async |target| {
        target.run(prepared, conn.timeout()).await
    })
    .await;
    let envelope = match sent {
        Ok(Some(Ok(envelope))) => envelope,
        Ok(Some(Err(err))) => return Ok(report_error(&err)),
        Ok(None) => return Ok(interrupted()),
        Err(err) => return Ok(err.report()),
    };
    let mut out = std::io::stdout().lock();
    if conn.json {
        print::json(&mut out, &envelope)?;
    } else {
        print::outcome(&mut out, &envelope)?;
    }
    Ok(if envelope.outcome().outcome.is_success() {
        0
    } else {
        EXIT_REFUSED
    })
}

async fn user(command: UserCommand) -> Result<i32> {
    let (user, conn) = match &command {
        UserCommand::Get { user, conn } | UserCommand::Delete { user, conn } => (user, conn),
    };
    if conn.target.target == TargetKind::Aws {
        let what = match &command {
            UserCommand::Get { .. } => "riv user get",
            UserCommand::Delete { .. } => "riv user delete",
        };
        return Ok(report_error(&ClientError::Unsupported {
            what: what.into(),
            target: "aws".into(),
            hint: "a deployment's bucket and outcomes topic offer no user API; users are \
                   administered inside the deployment"
                .into(),
        }));
    }
    let client = match Client::new(&conn.endpoint) {
        Ok(client) => client,
        Err(err) => return Ok(report_error(&err)),
    };
    let mut out = std::io::stdout().lock();
    let found = match &command {
        UserCommand::Get { .. } => match client.get_user(user).await {
            Ok(Some(profile)) if conn.json => print::json(&mut out, &profile).map(|()| true)?,
            Ok(Some(profile)) => print::profile(&mut out, &profile).map(|()| true)?,
            Ok(None) => false,
            Err(err) => return Ok(report_error(&err)),
        },
        UserCommand::Delete { .. } => match client.delete_user(user).await {
            Ok(Some(deleted)) if conn.json => print::json(&mut out, &deleted).map(|()| true)?,
            Ok(Some(deleted)) => {
                writeln!(
                    out,
                    "deleted {}: {} faces, {} objects",
                    deleted.user_id, deleted.faces_deleted, deleted.objects_deleted
                )?;
                true
            }
            Ok(None) => false,
            Err(err) => return Ok(report_error(&err)),
        },
    };
    if found {
        Ok(0)
    } else {
        eprintln!("no such user: {user}");
        Ok(EXIT_REFUSED)
    }
}

/// Says the command was interrupted; returns its exit code.
fn interrupted() -> i32 {
    eprintln!("interrupted");
    EXIT_INTERRUPTED
}

/// Prints a client error on standard error; returns its exit code.
fn report_error(err: &ClientError) -> i32 {
    eprintln!("error: {err}");
    exit_code(err)
}

/// The exit code a client error calls for.
fn exit_code(err: &ClientError) -> i32 {
    match err {
        ClientError::Unreachable { .. }
        | ClientError::AwsUnreachable { .. }
        | ClientError::Timeout { .. } => EXIT_UNREACHABLE,
        ClientError::Picture(_)
        | ClientError::InvalidRequest(_)
        | ClientError::InvalidEndpoint { .. }
        | ClientError::Unsupported { .. } => EXIT_USAGE,
        ClientError::Http { status: 413, .. } => EXIT_USAGE,
        ClientError::Http { .. } | ClientError::BadResponse { .. } | ClientError::Aws { .. } => {
            EXIT_REFUSED
        }
    }
}
