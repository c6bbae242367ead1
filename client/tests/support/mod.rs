//! Starts moto's server (S3, SQS, SNS) on 127.0.0.1 once per test binary,
//! as the AWS adapter tests do (`infra/aws/tests/support`). It is installed
//! by `tools/emulators/setup.sh` into the user's cache directory; when it is
//! missing a test is skipped with the reason, except under `CI=true`.

pub mod deployment;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct MotoServer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Holding the wrapper's stdin open keeps the server alive; when the
    /// test binary exits the pipe closes and the wrapper stops the server.
    _lifeline: Mutex<(Child, ChildStdin)>,
}

/// The test binary's moto server, started on first use; `None` (skip) when
/// it cannot be, except under `CI=true`, where that fails the test.
pub fn moto_server() -> Option<&'static MotoServer> {
    static SERVER: OnceLock<Result<MotoServer, String>> = OnceLock::new();
    match SERVER.get_or_init(start_moto) {
        Ok(server) => Some(server),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{why} (CI=true: emulators are required)")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// SDK config for the emulator: static test credentials, the given region
/// (each test takes its own, so listings see only its own queues).
pub async fn sdk_config(server: &MotoServer, region: &'static str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::from_static(region))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "riv-test",
            "riv-test-secret",
            None,
            None,
            "riv-tests",
        ))
        .endpoint_url(&server.endpoint)
        .load()
        .await
}

fn start_moto() -> Result<MotoServer, String> {
    let setup = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/emulators/setup.sh");
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
    let bin = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|err| format!("no free port: {err}"))?;
    // The wrapper stops the server when our end of its stdin closes.
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
    let deadline = Instant::now() + Duration::from_secs(60);
    while !answers_http(port) {
        if Instant::now() > deadline {
            return Err("moto_server did not start within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(MotoServer {
        endpoint: format!("http://127.0.0.1:{port}"),
        _lifeline: Mutex::new((child, stdin)),
    })
}

/// Whether a port on 127.0.0.1 answers an HTTP request.
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
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
