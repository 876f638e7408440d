//! Where media bytes live, behind one trait: a local folder (the default) or S3 (any
//! S3-compatible service via an endpoint override, path-style addressing). Objects are named
//! by their SHA-256, so the same file is stored once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use axum::body::Body;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::config::{MediaSettings, MediaStoreKind};
use crate::error::ApiError;

/// Above this size an object goes to S3 in parts.
const MULTIPART_FROM: u64 = 16 * 1024 * 1024;
const PART_SIZE: u64 = 8 * 1024 * 1024;

/// An inclusive byte range `start..=end` of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    /// Bytes in the range (never zero: both ends are inclusive).
    pub fn byte_count(&self) -> u64 {
        self.end - self.start + 1
    }
}

/// What every media store does.
pub trait ObjectStore {
    /// Store the staged file under `hash` (a no-op if it is there already).
    fn put_file(
        &self,
        hash: &str,
        file: &Path,
        size: u64,
        mime: &str,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// The object's bytes, or a range of them, as a response body.
    fn get(&self, hash: &str, range: Option<ByteRange>) -> impl Future<Output = Result<Body, ApiError>> + Send;
    fn delete(&self, hash: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// A short-lived URL the client may fetch directly, where the store has one.
    fn presigned_url(&self, hash: &str, ttl: Duration)
    -> impl Future<Output = Result<Option<String>, ApiError>> + Send;
}

fn storage_error(what: &str) -> impl Fn(std::io::Error) -> ApiError + '_ {
    move |e| ApiError::Internal(format!("media store, {what}: {e}"))
}

/// A folder: `ROOT/ab/abcdef…` (the first two hex digits spread objects over 256 folders).
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: PathBuf) -> Result<LocalStore, ApiError> {
        std::fs::create_dir_all(&root).map_err(storage_error("create folder"))?;
        Ok(LocalStore { root })
    }

    fn path(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(hash)
    }
}

impl ObjectStore for LocalStore {
    async fn put_file(&self, hash: &str, file: &Path, _size: u64, _mime: &str) -> Result<(), ApiError> {
        let target = self.path(hash);
        if tokio::fs::try_exists(&target).await.unwrap_or(false) {
            return Ok(());
        }
        let folder = target.parent().unwrap_or(&self.root).to_owned();
        tokio::fs::create_dir_all(&folder).await.map_err(storage_error("create folder"))?;
        // Copy beside the target, then rename: readers never see half an object.
        let partial = folder.join(format!(".{hash}.{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::copy(file, &partial).await.map_err(storage_error("copy"))?;
        let synced = tokio::fs::File::open(&partial).await.map_err(storage_error("open"))?;
        synced.sync_all().await.map_err(storage_error("sync"))?;
        tokio::fs::rename(&partial, &target).await.map_err(storage_error("rename"))?;
        Ok(())
    }

    async fn get(&self, hash: &str, range: Option<ByteRange>) -> Result<Body, ApiError> {
        let mut file = tokio::fs::File::open(self.path(hash)).await.map_err(|_| ApiError::NotFound)?;
        Ok(match range {
            Some(range) => {
                file.seek(std::io::SeekFrom::Start(range.start)).await.map_err(storage_error("seek"))?;
                Body::from_stream(ReaderStream::with_capacity(file.take(range.byte_count()), 64 * 1024))
            }
            None => Body::from_stream(ReaderStream::with_capacity(file, 64 * 1024)),
        })
    }

    async fn delete(&self, hash: &str) -> Result<(), ApiError> {
        match tokio::fs::remove_file(self.path(hash)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(storage_error("delete")(e)),
        }
    }

    async fn presigned_url(&self, _hash: &str, _ttl: Duration) -> Result<Option<String>, ApiError> {
        Ok(None)
    }
}

/// An S3 bucket (or an S3-compatible service).
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

fn s3_error(what: &'static str) -> impl Fn(String) -> ApiError {
    move |e| ApiError::Unavailable(format!("object storage, {what}: {e}"))
}

impl S3Store {
    /// Credentials and region from the usual AWS chain (environment, profile, instance role);
    /// an endpoint override for S3-compatible services switches to path-style addressing.
    pub async fn connect(settings: &MediaSettings) -> Result<S3Store, ApiError> {
        let bucket = settings.s3_bucket.clone().ok_or_else(|| ApiError::Internal("no S3 bucket set".to_owned()))?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = &settings.s3_region {
            loader = loader.region(aws_sdk_s3::config::Region::new(region.clone()));
        }
        let shared = loader.load().await;
        let mut builder = aws_sdk_s3::config::Builder::from(&shared);
        if shared.region().is_none() {
            builder = builder.region(aws_sdk_s3::config::Region::from_static("us-east-1"));
        }
        if let Some(endpoint) = &settings.s3_endpoint {
            builder = builder.endpoint_url(endpoint).force_path_style(true);
        }
        let client = aws_sdk_s3::Client::from_conf(builder.build());
        if client.head_bucket().bucket(&bucket).send().await.is_err() {
            client
                .create_bucket()
                .bucket(&bucket)
                .send()
                .await
                .map_err(|e| s3_error("create bucket")(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        }
        Ok(S3Store { client, bucket })
    }

    async fn exists(&self, hash: &str) -> bool {
        self.client.head_object().bucket(&self.bucket).key(hash).send().await.is_ok()
    }

    async fn put_multipart(&self, hash: &str, file: &Path, size: u64, mime: &str) -> Result<(), ApiError> {
        let display = |e| aws_sdk_s3::error::DisplayErrorContext(e).to_string();
        let started = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(hash)
            .content_type(mime)
            .send()
            .await
            .map_err(|e| s3_error("start multipart upload")(display(e)))?;
        let upload_id = started.upload_id().unwrap_or_default().to_owned();
        let mut parts = Vec::new();
        let mut offset = 0;
        let mut number = 1;
        let result: Result<(), ApiError> = async {
            while offset < size {
                let length = PART_SIZE.min(size - offset);
                let body = ByteStream::read_from()
                    .path(file)
                    .offset(offset)
                    .length(Length::Exact(length))
                    .build()
                    .await
                    .map_err(|e| ApiError::Internal(format!("media store, read part: {e}")))?;
                let part = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(hash)
                    .upload_id(&upload_id)
                    .part_number(number)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| s3_error("upload part")(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
                parts.push(
                    CompletedPart::builder().set_e_tag(part.e_tag().map(str::to_owned)).part_number(number).build(),
                );
                offset += length;
                number += 1;
            }
            self.client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(hash)
                .upload_id(&upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
                .send()
                .await
                .map_err(|e| {
                    s3_error("complete multipart upload")(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
                })?;
            Ok(())
        }
        .await;
        if result.is_err() {
            let _ =
                self.client.abort_multipart_upload().bucket(&self.bucket).key(hash).upload_id(&upload_id).send().await;
        }
        result
    }
}

impl ObjectStore for S3Store {
    async fn put_file(&self, hash: &str, file: &Path, size: u64, mime: &str) -> Result<(), ApiError> {
        if self.exists(hash).await {
            return Ok(());
        }
        if size >= MULTIPART_FROM {
            return self.put_multipart(hash, file, size, mime).await;
        }
        let body = ByteStream::from_path(file)
            .await
            .map_err(|e| ApiError::Internal(format!("media store, read file: {e}")))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(hash)
            .content_type(mime)
            .body(body)
            .send()
            .await
            .map_err(|e| s3_error("put object")(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        Ok(())
    }

    async fn get(&self, hash: &str, range: Option<ByteRange>) -> Result<Body, ApiError> {
        let output = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(hash)
            .set_range(range.map(|r| format!("bytes={}-{}", r.start, r.end)))
            .send()
            .await
            .map_err(|e| s3_error("get object")(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        Ok(Body::from_stream(ReaderStream::with_capacity(output.body.into_async_read(), 64 * 1024)))
    }

    async fn delete(&self, hash: &str) -> Result<(), ApiError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(hash)
            .send()
            .await
            .map_err(|e| s3_error("delete object")(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        Ok(())
    }

    async fn presigned_url(&self, hash: &str, ttl: Duration) -> Result<Option<String>, ApiError> {
        let config = PresigningConfig::expires_in(ttl).map_err(|e| ApiError::Internal(e.to_string()))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(hash)
            .presigned(config)
            .await
            .map_err(|e| s3_error("presign")(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        Ok(Some(request.uri().to_owned()))
    }
}

/// The configured store.
pub enum MediaStore {
    Local(LocalStore),
    S3(S3Store),
}

impl MediaStore {
    pub async fn open(settings: &MediaSettings) -> Result<MediaStore, ApiError> {
        Ok(match settings.store {
            MediaStoreKind::Local => MediaStore::Local(LocalStore::new(settings.dir.clone())?),
            MediaStoreKind::S3 => MediaStore::S3(S3Store::connect(settings).await?),
        })
    }
}

impl ObjectStore for MediaStore {
    async fn put_file(&self, hash: &str, file: &Path, size: u64, mime: &str) -> Result<(), ApiError> {
        match self {
            MediaStore::Local(store) => store.put_file(hash, file, size, mime).await,
            MediaStore::S3(store) => store.put_file(hash, file, size, mime).await,
        }
    }

    async fn get(&self, hash: &str, range: Option<ByteRange>) -> Result<Body, ApiError> {
        match self {
            MediaStore::Local(store) => store.get(hash, range).await,
            MediaStore::S3(store) => store.get(hash, range).await,
        }
    }

    async fn delete(&self, hash: &str) -> Result<(), ApiError> {
        match self {
            MediaStore::Local(store) => store.delete(hash).await,
            MediaStore::S3(store) => store.delete(hash).await,
        }
    }

    async fn presigned_url(&self, hash: &str, ttl: Duration) -> Result<Option<String>, ApiError> {
        match self {
            MediaStore::Local(store) => store.presigned_url(hash, ttl).await,
            MediaStore::S3(store) => store.presigned_url(hash, ttl).await,
        }
    }
}
