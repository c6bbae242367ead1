//! Starts the emulators the AWS adapter tests run against, on 127.0.0.1,
//! once per test binary: SeaweedFS as a real S3 server, and moto's server
//! for DynamoDB, SQS, SNS and EventBridge. They are installed
//! by `tools/emulators/setup.sh` into the user's cache directory. Missing
//! emulators skip a test with the reason, except under `CI=true`.

// Each test binary uses only some of these.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running S3 server.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Holding the wrapper's stdin open keeps the server alive; when the
    /// test binary exits the pipe closes and the wrapper stops the server
    /// and removes its data directory.
    _lifeline: Mutex<(Child, ChildStdin)>,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips (returns `None`) or, under CI, panics with `why`.
pub fn unavailable<T>(why: &str) -> Option<T> {
    if in_ci() {
        panic!("{why} (CI=true: emulators are required)");
    }
    eprintln!("skipped: {why}");
    None
}

/// The workspace root: this module is also used by crates at other depths.
fn repo_root() -> PathBuf {
    let krate = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    krate
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.contains("[workspace]"))
        })
        .map_or_else(|| krate.join("../.."), std::path::Path::to_path_buf)
}

fn emulator_bin() -> Result<PathBuf, String> {
    let setup = repo_root().join("tools/emulators/setup.sh");
    let output = Command::new("bash")
        .arg(&setup)
        .output()
        .map_err(|err| format!("cannot run {}: {err}", setup.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed: {}",
            setup.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn start_s3() -> Result<S3Server, String> {
    let bin = emulator_bin()?;
    let weed = bin.join("weed");
    let dir = std::env::temp_dir().join(format!("riv-weed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let s3 = free_port();
    let mut args: Vec<String> = vec![
        "mini".into(),
        format!("-dir={}", dir.display()),
        "-ip=127.0.0.1".into(),
        "-ip.bind=127.0.0.1".into(),
        "-master.telemetry=false".into(),
        "-admin.ui=false".into(),
        format!("-s3.port={s3}"),
        // Left to itself, mini sizes its volume count from the free disk
        // space divided by the volume size, and on a nearly full disk it
        // gets none: every write then fails with InternalError. Volume
        // files grow as written, so a fixed count costs no space. Each
        // bucket takes one volume.
        "-volume.max=500".into(),
        "-master.volumeSizeLimitMB=64".into(),
    ];
    for flag in [
        "s3.port.grpc",
        "s3.port.iceberg",
        "s3.port.lance",
        "master.port",
        "master.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "admin.port",
        "admin.port.grpc",
        "webdav.port",
    ] {
        args.push(format!("-{flag}={}", free_port()));
    }
    // The wrapper stops the server when our end of its stdin closes.
    let script = r#"weed="$1"; shift; "$weed" "$@" >"$DIR/weed.log" 2>&1 & child=$!; trap 'kill $child 2>/dev/null; wait $child; rm -rf "$DIR"' EXIT; read -r _"#;
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("riv-weed")
        .arg(&weed)
        .args(&args)
        .env("DIR", &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", weed.display()))?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    wait_until_answering(s3, || {
        let log = std::fs::read_to_string(dir.join("weed.log")).unwrap_or_default();
        format!("SeaweedFS did not start within 60 s:\n{log}")
    })?;
    Ok(S3Server {
        endpoint: format!("http://127.0.0.1:{s3}"),
        _lifeline: Mutex::new((child, stdin)),
    })
}

/// Waits up to 60 s for an emulator's port to answer HTTP; `failure` says
/// what went wrong when it does not.
fn wait_until_answering(port: u16, failure: impl Fn() -> String) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !answers_http(port) {
        if Instant::now() > deadline {
            return Err(failure());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Whether a port on 127.0.0.1 answers an HTTP request.
fn answers_http(port: u16) -> bool {
    use std::io::Write;
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("HTTP/1.1 ")
}

/// The test binary's S3 server, started on first use.
pub fn s3_server() -> Option<&'static S3Server> {
    static SERVER: OnceLock<Result<S3Server, String>> = OnceLock::new();
    match SERVER.get_or_init(start_s3) {
        Ok(server) => Some(server),
        Err(why) => unavailable(why),
    }
}

/// An S3 client for the emulator: static test credentials, path-style.
pub async fn s3_client(server: &S3Server) -> aws_sdk_s3::Client {
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "riv-test",
            "riv-test-secret",
            None,
            None,
            "riv-tests",
        ))
        .endpoint_url(&server.endpoint)
        .load()
        .await;
    let config = aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A bucket name no other test uses.
pub fn unique_bucket(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A running moto server (SQS, SNS, EventBridge, DynamoDB).
pub struct MotoServer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Keeps the server alive; it stops when the test binary exits.
    _lifeline: Mutex<(Child, ChildStdin)>,
}

fn start_moto() -> Result<MotoServer, String> {
    let bin = emulator_bin()?;
    let port = free_port();
    let script = r#"server="$1"; shift; "$server" "$@" >/dev/null 2>&1 & child=$!; trap 'kill $child 2>/dev/null' EXIT; read -r _"#;
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("riv-moto")
        .arg(bin.join("moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start moto_server: {e}"))?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    wait_until_answering(port, || "moto_server did not start within 60 s".into())?;
    Ok(MotoServer {
        endpoint: format!("http://127.0.0.1:{port}"),
        _lifeline: Mutex::new((child, stdin)),
    })
}

/// The test binary's moto server, started on first use.
pub fn moto_server() -> Option<&'static MotoServer> {
    static SERVER: OnceLock<Result<MotoServer, String>> = OnceLock::new();
    match SERVER.get_or_init(start_moto) {
        Ok(server) => Some(server),
        Err(why) => unavailable(why),
    }
}

/// SDK config for an emulator endpoint: static test credentials, us-east-1.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    sdk_config_in(endpoint, "us-east-1").await
}

/// SDK config for an emulator endpoint in `region` (a test that lists
/// queues or topics takes a region of its own to see only its own).
pub async fn sdk_config_in(endpoint: &str, region: &'static str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::from_static(region))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "riv-test",
            "riv-test-secret",
            None,
            None,
            "riv-tests",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}
