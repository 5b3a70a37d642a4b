//! A small, strict binary encoding for everything the mechanism puts on the wire or in a
//! file: big-endian integers and length-prefixed byte strings, with hard bounds on every
//! length so that hostile bytes cannot make a decoder allocate or loop without limit.

use crate::error::{Error, Result};

/// Largest byte string any decoder accepts (1 MiB).
pub const MAX_BYTES: usize = 1 << 20;
/// Largest list any decoder accepts.
pub const MAX_ITEMS: usize = 1 << 16;

/// Appends encoded values to a buffer.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// A writer that starts with a domain tag (so encodings of different types never collide).
    pub fn tagged(tag: &str) -> Self {
        let mut w = Writer::default();
        w.bytes(tag.as_bytes());
        w
    }
    /// One byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    /// Big-endian u32.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Big-endian u64.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// A length-prefixed byte string.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u32(v.len() as u32);
        self.buf.extend_from_slice(v);
        self
    }
    /// A length-prefixed UTF-8 string.
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }
    /// A length-prefixed list of u32.
    pub fn u32s(&mut self, v: &[u32]) -> &mut Self {
        self.u32(v.len() as u32);
        for x in v {
            self.u32(*x);
        }
        self
    }
    /// The encoded bytes.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// Reads values back, refusing anything out of bounds.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `buf` for a value of kind `what` (named in errors).
    pub fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, pos: 0, what }
    }
    /// A reader that first checks the domain tag.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the tag differs.
    pub fn tagged(buf: &'a [u8], what: &'static str, tag: &str) -> Result<Self> {
        let mut r = Reader::new(buf, what);
        let t = r.bytes()?;
        if t != tag.as_bytes() {
            return Err(r.err("wrong type tag"));
        }
        Ok(r)
    }
    fn err(&self, reason: &str) -> Error {
        Error::malformed(self.what, format!("{reason} at byte {}", self.pos))
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return Err(self.err("truncated"));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    /// One byte.
    ///
    /// # Errors
    /// [`Error::Malformed`] when truncated.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    /// Big-endian u32.
    ///
    /// # Errors
    /// [`Error::Malformed`] when truncated.
    pub fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Big-endian u64.
    ///
    /// # Errors
    /// [`Error::Malformed`] when truncated.
    pub fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    /// A length-prefixed byte string (at most [`MAX_BYTES`]).
    ///
    /// # Errors
    /// [`Error::Malformed`] when truncated or too long.
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.u32()? as usize;
        if n > MAX_BYTES {
            return Err(self.err("length over the 1 MiB limit"));
        }
        self.take(n)
    }
    /// Exactly `N` bytes, length-prefixed.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the length differs.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let b = self.bytes()?;
        let mut a = [0u8; N];
        if b.len() != N {
            return Err(self.err(&format!("expected {N} bytes, found {}", b.len())));
        }
        a.copy_from_slice(b);
        Ok(a)
    }
    /// A length-prefixed UTF-8 string.
    ///
    /// # Errors
    /// [`Error::Malformed`] when not UTF-8.
    pub fn str(&mut self) -> Result<String> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| self.err("invalid UTF-8"))
    }
    /// A length-prefixed list of u32 (at most [`MAX_ITEMS`]).
    ///
    /// # Errors
    /// [`Error::Malformed`] when truncated or too long.
    pub fn u32s(&mut self) -> Result<Vec<u32>> {
        let n = self.u32()? as usize;
        if n > MAX_ITEMS || n * 4 > self.buf.len() - self.pos {
            return Err(self.err("list length out of bounds"));
        }
        (0..n).map(|_| self.u32()).collect()
    }
    /// Requires that every byte was consumed.
    ///
    /// # Errors
    /// [`Error::Malformed`] on trailing bytes.
    pub fn finish(self) -> Result<()> {
        if self.pos != self.buf.len() {
            return Err(self.err("trailing bytes"));
        }
        Ok(())
    }
}
