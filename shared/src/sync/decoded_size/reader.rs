//! The byte reader the measuring walks with: over a slice or an inflating
//! stream, counting what it read, with LEB128 numbers, skips and drains
//! that fail as [`DecodeBoundError::Malformed`] rather than panic.

use std::io::{self, Read};

use super::DecodeBoundError;

/// A byte reader over a slice or an inflating stream, counting what it
/// read. It is a reader itself, so a column can be read as a bounded part
/// of it.
pub(super) struct Bytes<R> {
    inner: R,
    peeked: Option<u8>,
    consumed: u64,
}

impl Bytes<&[u8]> {
    pub(super) fn consumed(&self) -> usize {
        usize::try_from(self.consumed).unwrap_or(usize::MAX)
    }
}

impl<R: Read> Read for Bytes<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(byte) = self.peeked.take() {
            buf[0] = byte;
            self.consumed += 1;
            return Ok(1);
        }
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

fn io_error(_: io::Error) -> DecodeBoundError {
    DecodeBoundError::Malformed("deflated data does not inflate")
}

impl<R: Read> Bytes<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            peeked: None,
            consumed: 0,
        }
    }

    fn next(&mut self) -> Result<Option<u8>, DecodeBoundError> {
        if let Some(byte) = self.peeked.take() {
            self.consumed += 1;
            return Ok(Some(byte));
        }
        let mut byte = [0u8];
        loop {
            match self.inner.read(&mut byte) {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    self.consumed += 1;
                    return Ok(Some(byte[0]));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(e)),
            }
        }
    }

    fn byte(&mut self) -> Result<u8, DecodeBoundError> {
        self.next()?
            .ok_or(DecodeBoundError::Malformed("the data ends early"))
    }

    pub(super) fn at_end(&mut self) -> Result<bool, DecodeBoundError> {
        if self.peeked.is_some() {
            return Ok(false);
        }
        match self.next()? {
            Some(byte) => {
                self.consumed -= 1;
                self.peeked = Some(byte);
                Ok(false)
            }
            None => Ok(true),
        }
    }

    pub(super) fn uleb(&mut self) -> Result<u64, DecodeBoundError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f)
                .checked_shl(shift)
                .ok_or(DecodeBoundError::Malformed("a number is too long"))?;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeBoundError::Malformed("a number is too long"))
    }

    pub(super) fn sleb(&mut self) -> Result<i64, DecodeBoundError> {
        let mut value: i64 = 0;
        let mut shift = 0u32;
        loop {
            let byte = self.byte()?;
            if shift >= 64 {
                return Err(DecodeBoundError::Malformed("a number is too long"));
            }
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
        }
    }

    /// Skips `n` bytes, which must be there.
    pub(super) fn skip(&mut self, n: u64) -> Result<(), DecodeBoundError> {
        let mut left = n;
        if left > 0 && self.peeked.take().is_some() {
            self.consumed += 1;
            left -= 1;
        }
        let skipped =
            io::copy(&mut self.inner.by_ref().take(left), &mut io::sink()).map_err(io_error)?;
        self.consumed += skipped;
        if skipped < left {
            return Err(DecodeBoundError::Malformed("the data ends early"));
        }
        Ok(())
    }

    /// Reads to the end; returns how many bytes were read in all.
    pub(super) fn drain(&mut self) -> Result<u64, DecodeBoundError> {
        if self.peeked.take().is_some() {
            self.consumed += 1;
        }
        let rest = io::copy(&mut self.inner, &mut io::sink()).map_err(io_error)?;
        self.consumed += rest;
        Ok(self.consumed)
    }
}
