//! Streaming `Content-Encoding` decoding (gzip, deflate, br) into a size-capped buffer.
//!
//! Compressed chunks are pushed in as they arrive; the cap applies to the DECODED bytes, so a
//! gzip bomb stops at the cap instead of filling memory.

use std::io::{self, Write};

/// A `Write` sink that refuses to grow past `cap` bytes.
#[derive(Debug)]
pub(crate) struct CappedSink {
    pub(crate) buf: Vec<u8>,
    cap: usize,
    /// Set when a write would have gone past the cap.
    pub(crate) overflow: bool,
    /// Keep the first `cap` bytes and stop quietly instead of failing (robots.txt).
    truncate: bool,
}

impl Write for CappedSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.cap.saturating_sub(self.buf.len());
        if data.len() > room {
            self.overflow = true;
            if self.truncate {
                self.buf.extend_from_slice(&data[..room]);
                // Claim everything was written so decoders keep going quietly.
                return Ok(data.len());
            }
            return Err(io::Error::other("decoded body over the size cap"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The content codings we decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Deflate,
    Brotli,
}

impl Coding {
    /// Parses a `Content-Encoding` value; `Err` names an unsupported coding.
    pub(crate) fn parse(value: Option<&str>) -> Result<Coding, String> {
        let Some(v) = value else {
            return Ok(Coding::Identity);
        };
        let codings: Vec<String> = v
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty() && c != "identity")
            .collect();
        match codings.as_slice() {
            [] => Ok(Coding::Identity),
            [one] => match one.as_str() {
                "gzip" | "x-gzip" => Ok(Coding::Gzip),
                "deflate" => Ok(Coding::Deflate),
                "br" => Ok(Coding::Brotli),
                other => Err(format!("unsupported content coding {other:?}")),
            },
            _ => Err(format!("unsupported stacked content codings {v:?}")),
        }
    }

    /// The coding's name as in `Content-Encoding`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Coding::Identity => "identity",
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
        }
    }
}

enum State {
    Identity(CappedSink),
    Gzip(flate2::write::MultiGzDecoder<CappedSink>),
    /// Deflate waits for its first byte to tell zlib-wrapped from raw deflate.
    DeflatePending(CappedSink),
    Zlib(flate2::write::ZlibDecoder<CappedSink>),
    RawDeflate(flate2::write::DeflateDecoder<CappedSink>),
    Brotli(Box<brotli_decompressor::DecompressorWriter<CappedSink>>),
    Done,
}

/// Why decoding stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The decoded body passed the cap.
    OverCap,
    /// The compressed data is corrupt.
    Corrupt(String),
}

/// A streaming body decoder.
pub(crate) struct BodyDecoder {
    state: State,
    /// Compressed (wire) bytes seen.
    pub(crate) wire_bytes: u64,
}

impl BodyDecoder {
    /// A decoder for `coding` capped at `cap` decoded bytes; with `truncate`, bytes past the
    /// cap are dropped instead of failing.
    pub(crate) fn new(coding: Coding, cap: usize, truncate: bool) -> BodyDecoder {
        let sink = CappedSink {
            buf: Vec::new(),
            cap,
            overflow: false,
            truncate,
        };
        let state = match coding {
            Coding::Identity => State::Identity(sink),
            Coding::Gzip => State::Gzip(flate2::write::MultiGzDecoder::new(sink)),
            Coding::Deflate => State::DeflatePending(sink),
            Coding::Brotli => State::Brotli(Box::new(
                brotli_decompressor::DecompressorWriter::new(sink, 8192),
            )),
        };
        BodyDecoder {
            state,
            wire_bytes: 0,
        }
    }

    fn sink(&self) -> Option<&CappedSink> {
        match &self.state {
            State::Identity(s) | State::DeflatePending(s) => Some(s),
            State::Gzip(d) => Some(d.get_ref()),
            State::Zlib(d) => Some(d.get_ref()),
            State::RawDeflate(d) => Some(d.get_ref()),
            State::Brotli(d) => Some(d.get_ref()),
            State::Done => None,
        }
    }

    fn classify(&self, e: io::Error) -> DecodeError {
        if self.sink().is_some_and(|s| s.overflow) {
            DecodeError::OverCap
        } else {
            DecodeError::Corrupt(e.to_string())
        }
    }

    /// Whether output was cut at the cap (truncate mode).
    pub(crate) fn truncated(&self) -> bool {
        self.sink().is_some_and(|s| s.overflow)
    }

    /// Feeds one chunk of wire bytes.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<(), DecodeError> {
        if chunk.is_empty() {
            return Ok(());
        }
        self.wire_bytes += chunk.len() as u64;
        if let State::DeflatePending(_) = self.state {
            let State::DeflatePending(sink) = std::mem::replace(&mut self.state, State::Done)
            else {
                unreachable!("checked above")
            };
            // zlib header: CM = 8 in the low nibble, window ≤ 32K in the high nibble.
            let b0 = chunk[0];
            self.state = if b0 & 0x0f == 8 && b0 >> 4 <= 7 {
                State::Zlib(flate2::write::ZlibDecoder::new(sink))
            } else {
                State::RawDeflate(flate2::write::DeflateDecoder::new(sink))
            };
        }
        let r = match &mut self.state {
            State::Identity(s) => s.write_all(chunk),
            State::Gzip(d) => d.write_all(chunk),
            State::Zlib(d) => d.write_all(chunk),
            State::RawDeflate(d) => d.write_all(chunk),
            State::Brotli(d) => d.write_all(chunk),
            State::DeflatePending(_) | State::Done => Ok(()),
        };
        r.map_err(|e| self.classify(e))
    }

    /// Ends the stream and returns the decoded bytes.
    pub(crate) fn finish(mut self) -> Result<Vec<u8>, DecodeError> {
        let state = std::mem::replace(&mut self.state, State::Done);
        let over = |s: &CappedSink| s.overflow && !s.truncate;
        let done = |s: CappedSink| -> Result<Vec<u8>, DecodeError> {
            if over(&s) {
                Err(DecodeError::OverCap)
            } else {
                Ok(s.buf)
            }
        };
        match state {
            State::Identity(s) | State::DeflatePending(s) => done(s),
            State::Gzip(mut d) => match d.try_finish() {
                Ok(()) => match d.finish() {
                    Ok(s) => done(s),
                    Err(e) => Err(DecodeError::Corrupt(e.to_string())),
                },
                Err(e) => {
                    if d.get_ref().overflow {
                        Err(DecodeError::OverCap)
                    } else {
                        Err(DecodeError::Corrupt(e.to_string()))
                    }
                }
            },
            State::Zlib(mut d) => match d.try_finish() {
                Ok(()) => d
                    .finish()
                    .map_err(|e| DecodeError::Corrupt(e.to_string()))
                    .and_then(done),
                Err(e) if d.get_ref().overflow => {
                    let _ = e;
                    Err(DecodeError::OverCap)
                }
                Err(e) => Err(DecodeError::Corrupt(e.to_string())),
            },
            State::RawDeflate(mut d) => match d.try_finish() {
                Ok(()) => d
                    .finish()
                    .map_err(|e| DecodeError::Corrupt(e.to_string()))
                    .and_then(done),
                Err(e) if d.get_ref().overflow => {
                    let _ = e;
                    Err(DecodeError::OverCap)
                }
                Err(e) => Err(DecodeError::Corrupt(e.to_string())),
            },
            State::Brotli(mut d) => match d.close() {
                Ok(()) => match d.into_inner() {
                    Ok(s) => done(s),
                    Err(s) => {
                        if over(&s) {
                            Err(DecodeError::OverCap)
                        } else {
                            Err(DecodeError::Corrupt("truncated brotli stream".into()))
                        }
                    }
                },
                Err(e) => {
                    if d.get_ref().overflow {
                        Err(DecodeError::OverCap)
                    } else {
                        Err(DecodeError::Corrupt(e.to_string()))
                    }
                }
            },
            State::Done => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_roundtrip_in_small_chunks() {
        let text = "hello world ".repeat(1000);
        let z = gzip(text.as_bytes());
        let mut d = BodyDecoder::new(Coding::Gzip, 1 << 20, false);
        for c in z.chunks(7) {
            d.push(c).unwrap();
        }
        assert_eq!(d.finish().unwrap(), text.as_bytes());
    }

    #[test]
    fn zlib_and_raw_deflate() {
        let text = b"deflate me please, deflate me please";
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(text).unwrap();
        let mut d = BodyDecoder::new(Coding::Deflate, 1024, false);
        d.push(&z.finish().unwrap()).unwrap();
        assert_eq!(d.finish().unwrap(), text);
        let mut r = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        r.write_all(text).unwrap();
        let mut d = BodyDecoder::new(Coding::Deflate, 1024, false);
        d.push(&r.finish().unwrap()).unwrap();
        assert_eq!(d.finish().unwrap(), text);
    }

    #[test]
    fn bomb_stops_at_cap() {
        let z = gzip(&vec![0u8; 4 << 20]);
        let mut d = BodyDecoder::new(Coding::Gzip, 1 << 20, false);
        let mut err = None;
        for c in z.chunks(512) {
            if let Err(e) = d.push(c) {
                err = Some(e);
                break;
            }
        }
        let err = err.or_else(|| d.finish().err());
        assert_eq!(err, Some(DecodeError::OverCap));
    }

    #[test]
    fn corrupt_gzip_is_an_error() {
        let mut d = BodyDecoder::new(Coding::Gzip, 1024, false);
        let r = d.push(b"definitely not gzip data at all");
        let r = r.and_then(|_| d.finish().map(|_| ()));
        assert!(matches!(r, Err(DecodeError::Corrupt(_))), "{r:?}");
    }

    #[test]
    fn truncate_mode_keeps_the_head() {
        let mut d = BodyDecoder::new(Coding::Identity, 4, true);
        d.push(b"abcdefgh").unwrap();
        assert!(d.truncated());
        assert_eq!(d.finish().unwrap(), b"abcd");
    }

    #[test]
    fn codings() {
        assert_eq!(Coding::parse(None), Ok(Coding::Identity));
        assert_eq!(Coding::parse(Some("GZIP")), Ok(Coding::Gzip));
        assert_eq!(Coding::parse(Some("identity")), Ok(Coding::Identity));
        assert!(Coding::parse(Some("zstd")).is_err());
        assert!(Coding::parse(Some("gzip, br")).is_err());
    }
}
