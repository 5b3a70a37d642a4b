//! The deployment's wire protocol, version 1: length-prefixed frames over mutually
//! authenticated TLS ([`crate::pki`]), each carrying one of the mechanism's own byte
//! formats.
//!
//! A frame is `ESCW` (4 bytes), the protocol version (1 byte), the kind (1 byte), the
//! payload's length (4 bytes, big-endian, at most [`MAX_FRAME`]) and the payload:
//! - [`Kind::ShareRequest`]: [`ShareRequest::encode`]'s bytes (warrant, items, requester,
//!   nonce), to an agent;
//! - [`Kind::Answer`]: [`encode_answer`]'s bytes (one decryption share or refusal per item),
//!   from an agent;
//! - [`Kind::Error`]: a UTF-8 reason, for a frame that could not be served (bad magic or
//!   version, unknown kind, oversized, truncated): the connection closes after it.
//!
//! Every decoder here bounds what it allocates by the bytes it was given.
//!
//! [`ShareRequest::encode`]: escrowlab_core::escrow::agent::ShareRequest::encode

use escrowlab_core::codec::{Reader, Writer};
use escrowlab_core::escrow::agent::{ItemOutcome, Refusal};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// The frame's magic.
pub const MAGIC: [u8; 4] = *b"ESCW";
/// The protocol version this build speaks.
pub const VERSION: u8 = 1;
/// The largest payload accepted (8 MiB).
pub const MAX_FRAME: usize = 8 << 20;
/// Header length.
pub const HEADER: usize = 10;
/// How long one frame may take to arrive, all of it.
pub const FRAME_DEADLINE: Duration = Duration::from_secs(20);

/// What a frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A share request (to an agent).
    ShareRequest,
    /// An agent's answer.
    Answer,
    /// An error reply.
    Error,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::ShareRequest => 1,
            Kind::Answer => 2,
            Kind::Error => 3,
        }
    }
    fn from_byte(b: u8) -> Option<Kind> {
        match b {
            1 => Some(Kind::ShareRequest),
            2 => Some(Kind::Answer),
            3 => Some(Kind::Error),
            _ => None,
        }
    }
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The bytes are not a frame of this protocol (answered with an error frame).
    #[error("{0}")]
    Malformed(String),
    /// The connection failed or timed out.
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
}

/// One frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Its kind.
    pub kind: Kind,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// Checks a frame header; returns the kind and payload length.
///
/// # Errors
/// [`WireError::Malformed`]: bad magic, another version, unknown kind, over [`MAX_FRAME`].
pub fn decode_header(h: &[u8; HEADER]) -> Result<(Kind, usize), WireError> {
    if h[..4] != MAGIC {
        return Err(WireError::Malformed(
            "not an escrowlab frame (bad magic)".into(),
        ));
    }
    if h[4] != VERSION {
        return Err(WireError::Malformed(format!(
            "protocol version {} is not supported (this agent speaks {VERSION})",
            h[4]
        )));
    }
    let kind = Kind::from_byte(h[5])
        .ok_or_else(|| WireError::Malformed(format!("unknown frame kind {}", h[5])))?;
    let len = u32::from_be_bytes([h[6], h[7], h[8], h[9]]) as usize;
    if len > MAX_FRAME {
        return Err(WireError::Malformed(format!(
            "a {len}-byte payload is over the {MAX_FRAME}-byte limit"
        )));
    }
    Ok((kind, len))
}

/// Decodes one whole frame from `bytes` (exactly one frame, nothing after it).
///
/// # Errors
/// [`WireError::Malformed`] as [`decode_header`], or truncated or trailing bytes.
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, WireError> {
    let h: &[u8; HEADER] = bytes
        .get(..HEADER)
        .and_then(|h| h.try_into().ok())
        .ok_or_else(|| WireError::Malformed("truncated frame header".into()))?;
    let (kind, len) = decode_header(h)?;
    let payload = &bytes[HEADER..];
    if payload.len() != len {
        return Err(WireError::Malformed(format!(
            "the header says {len} payload bytes, {} follow",
            payload.len()
        )));
    }
    Ok(Frame {
        kind,
        payload: payload.to_vec(),
    })
}

/// Encodes a frame.
pub fn encode_frame(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(kind.byte());
    out.extend_from_slice(&(payload.len().min(u32::MAX as usize) as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Writes one frame and flushes.
///
/// # Errors
/// I/O errors.
pub fn write_frame(w: &mut impl Write, kind: Kind, payload: &[u8]) -> std::io::Result<()> {
    w.write_all(&encode_frame(kind, payload))?;
    w.flush()
}

/// Reads one frame: `Ok(None)` on a clean end of stream before a header. The whole frame
/// must arrive within [`FRAME_DEADLINE`] (each read is also bounded by the socket's
/// timeout), so a peer that trickles bytes is cut off.
///
/// # Errors
/// [`WireError::Malformed`] for a bad header; [`WireError::Io`] for a failed, timed-out or
/// truncated read.
pub fn read_frame(r: &mut impl Read) -> Result<Option<Frame>, WireError> {
    let start = Instant::now();
    let mut h = [0u8; HEADER];
    let mut got = 0;
    while got < HEADER {
        let n = r.read(&mut h[got..])?;
        if n == 0 {
            if got == 0 {
                return Ok(None);
            }
            return Err(WireError::Malformed("truncated frame header".into()));
        }
        got += n;
        if start.elapsed() > FRAME_DEADLINE {
            return Err(timed_out());
        }
    }
    let (kind, len) = decode_header(&h)?;
    let mut payload = vec![0u8; len];
    let mut got = 0;
    while got < len {
        let n = r.read(&mut payload[got..])?;
        if n == 0 {
            return Err(WireError::Malformed(format!(
                "truncated payload ({got} of {len} bytes)"
            )));
        }
        got += n;
        if start.elapsed() > FRAME_DEADLINE {
            return Err(timed_out());
        }
    }
    Ok(Some(Frame { kind, payload }))
}

fn timed_out() -> WireError {
    WireError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the frame did not arrive in time",
    ))
}

/// An agent's answer: its index and one outcome per item, in request order.
pub fn encode_answer(agent: usize, items: &[ItemOutcome]) -> Vec<u8> {
    let mut w = Writer::tagged("share-answer");
    w.u32(agent as u32).u32(items.len() as u32);
    for it in items {
        match it {
            Ok(share) => w.u8(0).bytes(share),
            Err(r) => w.u8(1).str(&r.control).str(&r.reason),
        };
    }
    w.finish()
}

/// Decodes an agent's answer.
///
/// # Errors
/// [`WireError::Malformed`] on bad bytes.
pub fn decode_answer(b: &[u8]) -> Result<(usize, Vec<ItemOutcome>), WireError> {
    let bad = |e: escrowlab_core::Error| WireError::Malformed(e.to_string());
    let mut r = Reader::tagged(b, "share answer", "share-answer").map_err(bad)?;
    let agent = r.u32().map_err(bad)? as usize;
    let n = r.u32().map_err(bad)? as usize;
    if n > escrowlab_core::codec::MAX_ITEMS {
        return Err(WireError::Malformed("share answer: too many items".into()));
    }
    let mut items = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        match r.u8().map_err(bad)? {
            0 => items.push(Ok(r.bytes().map_err(bad)?.to_vec())),
            1 => items.push(Err(Refusal {
                control: r.str().map_err(bad)?,
                reason: r.str().map_err(bad)?,
            })),
            t => {
                return Err(WireError::Malformed(format!(
                    "share answer: unknown item tag {t}"
                )))
            }
        }
    }
    r.finish().map_err(bad)?;
    Ok((agent, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_answers_round_trip_and_bad_headers_are_named() {
        let f = encode_frame(Kind::ShareRequest, b"abc");
        assert_eq!(
            decode_frame(&f).unwrap(),
            Frame {
                kind: Kind::ShareRequest,
                payload: b"abc".to_vec()
            }
        );
        let mut v2 = f.clone();
        v2[4] = 2;
        assert!(decode_frame(&v2)
            .unwrap_err()
            .to_string()
            .contains("version 2"));
        let mut big = f.clone();
        big[6..10].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode_frame(&big)
            .unwrap_err()
            .to_string()
            .contains("limit"));
        assert!(decode_frame(&f[..f.len() - 1]).is_err());
        let items: Vec<ItemOutcome> = vec![
            Ok(vec![1, 2, 3]),
            Err(Refusal {
                control: "scope".into(),
                reason: "out".into(),
            }),
        ];
        let (a, back) = decode_answer(&encode_answer(4, &items)).unwrap();
        assert_eq!((a, back), (4, items));
        assert!(decode_answer(b"garbage").is_err());
    }
}
