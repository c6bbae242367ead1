//! A running endpoint and an SDK client for it, and the test inputs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use aws_sdk_rekognition::Client;
use aws_sdk_rekognition::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_rekognition::primitives::Blob;
use aws_sdk_rekognition::types::Image;
use riv_compat::{CompatConfig, serve};
use riv_face_engine::EngineConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running endpoint: stop it by dropping `stop` and awaiting `task`.
pub struct Endpoint {
    pub addr: SocketAddr,
    pub client: Client,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Endpoint {
    pub async fn start(models: &Path, data_dir: &Path) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = CompatConfig::new(data_dir, EngineConfig::with_model_dir(models));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(config, listener, async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        let conf = aws_sdk_rekognition::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                "AKIDTEST",
                "test-secret",
                None,
                None,
                "test",
            ))
            .endpoint_url(format!("http://{addr}"))
            .build();
        Self {
            addr,
            client: Client::from_conf(conf),
            stop,
            task,
        }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

/// Models and the named photos, or `None` (skipped, with the reason printed).
pub fn inputs(photos: &[&str]) -> Option<(PathBuf, Vec<Vec<u8>>)> {
    let models = super::require_models()?;
    let mut bytes = Vec::new();
    for name in photos {
        bytes.push(super::require_public_photo(name)?);
    }
    Some((models, bytes))
}

pub fn image(bytes: &[u8]) -> Image {
    Image::builder().bytes(Blob::new(bytes.to_vec())).build()
}

/// A raw `POST /` with `target`, returning the whole response as text.
pub async fn raw_post(addr: SocketAddr, target: &str, body: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: {target}\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}
