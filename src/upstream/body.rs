//! Reading an answer's body under the `[limits]` ceilings: which ceiling a document counts
//! against, and gzip decoding bounded by size and by decompression ratio (a gzip bomb is
//! refused before it fills memory). Must not: talk to the network (that is `http`).

use std::io::Write as _;

use crate::config::Limits;

/// What a body is, for the ceiling it counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyKind {
    Metadata,
    Artifact,
    Bundle,
}

impl BodyKind {
    /// The kind of the documents kept in a metadata cache bucket.
    pub(super) fn of_bucket(bucket: &str) -> Self {
        if bucket.contains("attestations") || bucket.contains("provenance") || bucket.contains("sigstore") {
            BodyKind::Bundle
        } else if bucket.contains("signature") {
            // `.asc` files: small like bundles.
            BodyKind::Bundle
        } else {
            BodyKind::Metadata
        }
    }

    pub(super) fn key(self) -> &'static str {
        match self {
            BodyKind::Metadata => "max_metadata_bytes",
            BodyKind::Artifact => "max_artifact_bytes",
            BodyKind::Bundle => "max_bundle_bytes",
        }
    }

    pub(super) fn noun(self) -> &'static str {
        match self {
            BodyKind::Metadata => "a metadata document",
            BodyKind::Artifact => "an artifact",
            BodyKind::Bundle => "an attestation bundle",
        }
    }

    pub(super) fn max(self, limits: &Limits) -> u64 {
        match self {
            BodyKind::Metadata => limits.max_metadata_bytes,
            BodyKind::Artifact => limits.max_artifact_bytes,
            BodyKind::Bundle => limits.max_bundle_bytes,
        }
    }

    /// Artifacts are compressed already and their bytes are what digests cover: asked
    /// for as they are. Documents may come gzip-encoded.
    pub(super) fn accept_encoding(self) -> &'static str {
        match self {
            BodyKind::Artifact => "identity",
            BodyKind::Metadata | BodyKind::Bundle => "gzip",
        }
    }
}

/// Why a body was refused.
#[derive(Debug)]
pub(super) enum SinkError {
    /// Over the ceiling (the caller names the `[limits]` key).
    TooLarge,
    /// Decompressed over compressed past the ratio.
    Ratio { ratio: f64, max: f64 },
    /// Not a valid gzip stream (corrupt or cut short).
    Gzip(std::io::Error),
}

impl std::fmt::Display for SinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinkError::TooLarge => write!(f, "a body over its size limit"),
            SinkError::Ratio { ratio, max } => write!(
                f,
                "a gzip body that expands {ratio:.0} times, over max_decompression_ratio ({max}); raise [limits] max_decompression_ratio in depgate.toml if this is expected"
            ),
            SinkError::Gzip(e) => write!(f, "a gzip body that cannot be decoded ({e}): corrupt or cut short"),
        }
    }
}

/// The decompressed size past which the ratio is checked: a small document that
/// compresses very well is no threat.
const RATIO_FLOOR: u64 = 1 << 20;

/// Input is fed to the decoder in slices this large, so one network chunk cannot expand
/// far past the ceiling before it is checked.
const SLICE: usize = 8 << 10;

/// Collects a body, decoding gzip when the answer says so.
pub(super) struct BodySink {
    max: u64,
    max_ratio: f64,
    wire: u64,
    plain: Vec<u8>,
    gz: Option<flate2::write::GzDecoder<Vec<u8>>>,
}

impl BodySink {
    /// A sink for an answer with this `Content-Encoding`; only gzip (or none) is accepted,
    /// as only gzip is asked for.
    pub(super) fn new(content_encoding: Option<&str>, max: u64, max_ratio: f64) -> Result<Self, String> {
        let gz = match content_encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "identity") => None,
            Some("gzip" | "x-gzip") => Some(flate2::write::GzDecoder::new(Vec::new())),
            Some(other) => return Err(format!("a Content-Encoding depgate did not ask for (`{other}`)")),
        };
        Ok(Self { max, max_ratio, wire: 0, plain: Vec::new(), gz })
    }

    fn out_len(&self) -> u64 {
        self.gz.as_ref().map_or(self.plain.len(), |g| g.get_ref().len()) as u64
    }

    fn check(&self) -> Result<(), SinkError> {
        let out = self.out_len();
        if out > self.max {
            return Err(SinkError::TooLarge);
        }
        if self.gz.is_some() && out > RATIO_FLOOR {
            #[allow(clippy::cast_precision_loss)]
            let ratio = out as f64 / self.wire.max(1) as f64;
            if ratio > self.max_ratio {
                return Err(SinkError::Ratio { ratio, max: self.max_ratio });
            }
        }
        Ok(())
    }

    /// Add one chunk as it came off the wire.
    pub(super) fn push(&mut self, chunk: &[u8]) -> Result<(), SinkError> {
        if self.gz.is_none() {
            self.wire += chunk.len() as u64;
            self.plain.extend_from_slice(chunk);
            return self.check();
        }
        for slice in chunk.chunks(SLICE) {
            self.wire += slice.len() as u64;
            if let Some(g) = &mut self.gz {
                g.write_all(slice).map_err(SinkError::Gzip)?;
            }
            self.check()?;
        }
        Ok(())
    }

    /// The whole body; a gzip stream must have ended properly.
    pub(super) fn finish(self) -> Result<Vec<u8>, SinkError> {
        match self.gz {
            None => Ok(self.plain),
            Some(g) => {
                let out = g.finish().map_err(SinkError::Gzip)?;
                if out.len() as u64 > self.max {
                    return Err(SinkError::TooLarge);
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn plain_and_gzip_roundtrip() {
        let mut s = BodySink::new(None, 100, 10.0).unwrap();
        s.push(b"hello ").unwrap();
        s.push(b"world").unwrap();
        assert_eq!(s.finish().unwrap(), b"hello world");
        let doc = br#"{"name":"x","versions":{}}"#.repeat(100);
        let mut s = BodySink::new(Some("gzip"), 1 << 20, 200.0).unwrap();
        for c in gzip(&doc).chunks(7) {
            s.push(c).unwrap();
        }
        assert_eq!(s.finish().unwrap(), doc);
    }

    #[test]
    fn over_the_ceiling_is_refused_while_reading() {
        let mut s = BodySink::new(None, 10, 10.0).unwrap();
        assert!(matches!(s.push(&[0; 11]), Err(SinkError::TooLarge)));
        let bomb = gzip(&vec![0u8; 4 << 20]);
        let mut s = BodySink::new(Some("gzip"), 1 << 20, 1e9).unwrap();
        assert!(matches!(s.push(&bomb), Err(SinkError::TooLarge)));
    }

    #[test]
    fn a_gzip_bomb_trips_the_ratio() {
        let bomb = gzip(&vec![0u8; 8 << 20]);
        let mut s = BodySink::new(Some("gzip"), 1 << 30, 200.0).unwrap();
        let e = s.push(&bomb).unwrap_err();
        assert!(matches!(e, SinkError::Ratio { .. }), "{e}");
        assert!(e.to_string().contains("max_decompression_ratio"), "{e}");
    }

    #[test]
    fn truncated_gzip_and_unknown_encodings_are_errors() {
        let doc = gzip(&b"some json".repeat(50));
        let mut s = BodySink::new(Some("gzip"), 1 << 20, 200.0).unwrap();
        s.push(&doc[..doc.len() / 2]).unwrap();
        assert!(matches!(s.finish(), Err(SinkError::Gzip(_))));
        assert!(BodySink::new(Some("br"), 10, 10.0).is_err());
    }
}
