//! How big automerge bytes from a peer become once automerge decodes them,
//! found before automerge sees them.
//!
//! Automerge inflates deflated chunks and columns without a bound, and a
//! run-length encoded column of a few bytes can describe billions of
//! operations, each of which automerge then visits (and allocates for). So
//! a small frame can cost gigabytes and minutes. [`check`] walks the
//! chunks' headers and column metadata itself, inflates deflated parts
//! through a counting reader that stops at the limit (nothing inflated is
//! kept), and sums the rows every run-length encoded column describes. Over
//! either limit is [`DecodeBoundError::TooLarge`], with nothing decoded
//! beyond the limit. Memory use is a few kilobytes of buffers whatever the
//! input claims.
//!
//! The formats are those of automerge's binary storage: a chunk is
//! `magic(4) checksum(4) type(1) length(uLEB) data`; type 0 is a document,
//! 1 a change, 2 a deflated change, 3 a bundle. Columns are described by
//! `(spec, length)` pairs, bit 3 of the spec marking a deflated column and
//! its low three bits the column type.

use std::io::{self, Read};

/// Limits on what one byte string from a peer may decode to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Bytes once every deflated chunk and column is inflated.
    pub max_inflated_bytes: u64,
    /// Rows (operations, changes) the columns describe.
    pub max_rows: u64,
}

impl Default for DecodeLimits {
    /// 64 MiB inflated and 4 Mi rows: several times the largest record a
    /// caseload holds (a 1,000-note record is about 2 MB and 1 M rows).
    fn default() -> Self {
        Self {
            max_inflated_bytes: 64 * 1024 * 1024,
            max_rows: 4 * 1024 * 1024,
        }
    }
}

/// Why bytes were refused before decoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeBoundError {
    /// They decode to more than a limit allows.
    #[error("decodes to more than {limit} {what}")]
    TooLarge {
        /// `"bytes"` or `"rows"`.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// They are not automerge chunks that could be measured.
    #[error("not automerge data: {0}")]
    Malformed(&'static str),
}

/// What a run of bytes decodes to, accumulated over several calls so that a
/// message's chunks share one budget.
#[derive(Debug)]
pub struct Budget {
    limits: DecodeLimits,
    inflated: u64,
    rows: u64,
}

impl Budget {
    /// A fresh budget under `limits`.
    pub fn new(limits: DecodeLimits) -> Self {
        Self {
            limits,
            inflated: 0,
            rows: 0,
        }
    }

    /// Bytes counted so far (inflated where deflated).
    pub fn inflated(&self) -> u64 {
        self.inflated
    }

    /// Rows counted so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn add_bytes(&mut self, n: u64) -> Result<(), DecodeBoundError> {
        self.inflated = self.inflated.saturating_add(n);
        if self.inflated > self.limits.max_inflated_bytes {
            return Err(DecodeBoundError::TooLarge {
                what: "bytes",
                limit: self.limits.max_inflated_bytes,
            });
        }
        Ok(())
    }

    fn add_rows(&mut self, n: u64) -> Result<(), DecodeBoundError> {
        self.rows = self.rows.saturating_add(n);
        if self.rows > self.limits.max_rows {
            return Err(DecodeBoundError::TooLarge {
                what: "rows",
                limit: self.limits.max_rows,
            });
        }
        Ok(())
    }

    /// Bytes still allowed to be inflated.
    fn bytes_left(&self) -> u64 {
        self.limits.max_inflated_bytes.saturating_sub(self.inflated)
    }

    /// Rows still allowed.
    fn rows_left(&self) -> u64 {
        self.limits.max_rows.saturating_sub(self.rows)
    }
}

/// Checks every chunk in `bytes` (one or several concatenated) against the
/// budget, adding what they decode to.
pub fn check(bytes: &[u8], budget: &mut Budget) -> Result<(), DecodeBoundError> {
    let mut rest = bytes;
    while !rest.is_empty() {
        rest = chunk(rest, budget)?;
    }
    Ok(())
}

/// Checks `bytes` alone under `limits`.
pub fn check_within(bytes: &[u8], limits: DecodeLimits) -> Result<(), DecodeBoundError> {
    check(bytes, &mut Budget::new(limits))
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;
const BUNDLE: u8 = 3;
const DEFLATE_BIT: u64 = 0b1000;

/// Checks the chunk at the start of `bytes`; returns what follows it.
fn chunk<'a>(bytes: &'a [u8], budget: &mut Budget) -> Result<&'a [u8], DecodeBoundError> {
    if bytes.len() < 10 || bytes[..4] != MAGIC {
        return Err(DecodeBoundError::Malformed("not an automerge chunk"));
    }
    let chunk_type = bytes[8];
    let mut header = Bytes::new(&bytes[9..]);
    let len = header.uleb()?;
    let start = 9 + header.consumed();
    let end = usize::try_from(len)
        .ok()
        .and_then(|len| start.checked_add(len))
        .filter(|end| *end <= bytes.len())
        .ok_or(DecodeBoundError::Malformed("chunk length exceeds the data"))?;
    let data = &bytes[start..end];
    match chunk_type {
        CHANGE => {
            budget.add_bytes(len)?;
            change(&mut Bytes::new(data), budget)?;
        }
        COMPRESSED_CHANGE => {
            // The inflated stream is the data of a change chunk. Measure
            // it as it inflates; nothing of it is kept.
            let inflater = flate2::read::DeflateDecoder::new(data);
            let limit = budget.bytes_left().saturating_add(1);
            let mut source = Bytes::new(inflater.take(limit));
            let measured = change(&mut source, budget);
            let inflated = source.drain()?;
            budget.add_bytes(inflated)?;
            measured?;
        }
        DOCUMENT => {
            budget.add_bytes(len)?;
            document(data, budget)?;
        }
        BUNDLE => {
            budget.add_bytes(len)?;
            bundle(data, budget)?;
        }
        _ => return Err(DecodeBoundError::Malformed("unknown chunk type")),
    }
    Ok(&bytes[end..])
}

/// A change chunk's data: its header fields, then its (never deflated) op
/// columns.
fn change<R: Read>(src: &mut Bytes<R>, budget: &mut Budget) -> Result<(), DecodeBoundError> {
    let deps = src.uleb()?;
    for _ in 0..deps {
        src.skip(32)?;
    }
    let actor = src.uleb()?;
    src.skip(actor)?;
    let _seq = src.uleb()?;
    let _start_op = src.uleb()?;
    let _time = src.sleb()?;
    let message = src.uleb()?;
    src.skip(message)?;
    let others = src.uleb()?;
    for _ in 0..others {
        let len = src.uleb()?;
        src.skip(len)?;
    }
    let columns = column_meta(src)?;
    let mut rows = 0;
    for (spec, len) in columns {
        if spec & DEFLATE_BIT != 0 {
            return Err(DecodeBoundError::Malformed(
                "a change has a deflated column",
            ));
        }
        let mut column = Bytes::new((&mut *src).take(len));
        rows = rows.max(column_rows(spec, &mut column, budget.rows_left())?);
        if column.drain()? != len {
            return Err(DecodeBoundError::Malformed("a column is cut short"));
        }
    }
    budget.add_rows(rows)?;
    // Whatever follows the columns is kept as it is by automerge; it is
    // already counted in the chunk's length.
    src.drain()?;
    Ok(())
}

/// A document chunk's data: actors, heads, then the change columns and the
/// op columns, each possibly deflated.
fn document(data: &[u8], budget: &mut Budget) -> Result<(), DecodeBoundError> {
    let mut src = Bytes::new(data);
    let actors = src.uleb()?;
    for _ in 0..actors {
        let len = src.uleb()?;
        src.skip(len)?;
    }
    let heads = src.uleb()?;
    for _ in 0..heads {
        src.skip(32)?;
    }
    let change_columns = column_meta(&mut src)?;
    let op_columns = column_meta(&mut src)?;
    let at = src.consumed();
    let rest = &data[at..];
    let after = columns(rest, &change_columns, budget)?;
    columns(&rest[after..], &op_columns, budget)?;
    Ok(())
}

/// A bundle chunk's data: dependencies and actors, then change columns and
/// op columns, each possibly deflated.
fn bundle(data: &[u8], budget: &mut Budget) -> Result<(), DecodeBoundError> {
    let mut src = Bytes::new(data);
    let deps = src.uleb()?;
    for _ in 0..deps {
        src.skip(32)?;
    }
    let actors = src.uleb()?;
    for _ in 0..actors {
        let len = src.uleb()?;
        src.skip(len)?;
    }
    let change_columns = column_meta(&mut src)?;
    let at = src.consumed();
    let after = columns(&data[at..], &change_columns, budget)?;
    let mut src = Bytes::new(&data[at + after..]);
    let op_columns = column_meta(&mut src)?;
    let at2 = at + after + src.consumed();
    columns(&data[at2..], &op_columns, budget)?;
    Ok(())
}

/// Measures the columns laid out from the start of `data`; returns the
/// bytes they take there.
fn columns(
    data: &[u8],
    meta: &[(u64, u64)],
    budget: &mut Budget,
) -> Result<usize, DecodeBoundError> {
    let mut at = 0usize;
    let mut rows = 0;
    for &(spec, len) in meta {
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| at.checked_add(len))
            .filter(|end| *end <= data.len())
            .ok_or(DecodeBoundError::Malformed("a column exceeds the data"))?;
        let raw = &data[at..end];
        at = end;
        if spec & DEFLATE_BIT == 0 {
            rows = rows.max(column_rows(spec, &mut Bytes::new(raw), budget.rows_left())?);
            continue;
        }
        // Inflated bytes count on top of the deflated ones (already
        // counted in the chunk's length).
        let limit = budget.bytes_left().saturating_add(1);
        let mut column = Bytes::new(flate2::read::DeflateDecoder::new(raw).take(limit));
        let counted = column_rows(spec, &mut column, budget.rows_left());
        budget.add_bytes(column.drain()?)?;
        rows = rows.max(counted?);
    }
    budget.add_rows(rows)?;
    Ok(at)
}

/// Reads a column metadata block: a count, then `(spec, length)` pairs.
fn column_meta<R: Read>(src: &mut Bytes<R>) -> Result<Vec<(u64, u64)>, DecodeBoundError> {
    let count = src.uleb()?;
    let mut columns = Vec::new();
    for _ in 0..count {
        let spec = src.uleb()?;
        let len = src.uleb()?;
        columns.push((spec, len));
    }
    Ok(columns)
}

const GROUP: u64 = 0;
const ACTOR: u64 = 1;
const INTEGER: u64 = 2;
const DELTA: u64 = 3;
const BOOLEAN: u64 = 4;
const STRING: u64 = 5;
const VALUE_META: u64 = 6;

/// The rows column `src` describes (a value column's raw bytes describe
/// none of their own). Stops as soon as more than `max` are found.
fn column_rows<R: Read>(spec: u64, src: &mut Bytes<R>, max: u64) -> Result<u64, DecodeBoundError> {
    let too_many = DecodeBoundError::TooLarge {
        what: "rows",
        limit: max,
    };
    let mut rows: u64 = 0;
    let mut add = |n: u64| -> Result<(), DecodeBoundError> {
        rows = rows.saturating_add(n);
        if rows > max {
            Err(too_many.clone())
        } else {
            Ok(())
        }
    };
    match spec & 0b111 {
        BOOLEAN => {
            while !src.at_end()? {
                add(src.uleb()?)?;
            }
        }
        kind @ (GROUP | ACTOR | INTEGER | DELTA | STRING | VALUE_META) => {
            let value = |src: &mut Bytes<R>| -> Result<(), DecodeBoundError> {
                match kind {
                    DELTA => src.sleb().map(drop),
                    STRING => {
                        let len = src.uleb()?;
                        src.skip(len)
                    }
                    _ => src.uleb().map(drop),
                }
            };
            while !src.at_end()? {
                let count = src.sleb()?;
                if count > 0 {
                    add(count.unsigned_abs())?;
                    value(src)?;
                } else if count < 0 {
                    let literals = count.unsigned_abs();
                    add(literals)?;
                    for _ in 0..literals {
                        value(src)?;
                    }
                } else {
                    add(src.uleb()?)?;
                }
            }
        }
        _ => {
            src.drain()?;
        }
    }
    Ok(rows)
}

/// A byte reader over a slice or an inflating stream, counting what it
/// read. It is a reader itself, so a column can be read as a bounded part
/// of it.
struct Bytes<R> {
    inner: R,
    peeked: Option<u8>,
    consumed: u64,
}

impl Bytes<&[u8]> {
    fn consumed(&self) -> usize {
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
    fn new(inner: R) -> Self {
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

    fn at_end(&mut self) -> Result<bool, DecodeBoundError> {
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

    fn uleb(&mut self) -> Result<u64, DecodeBoundError> {
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

    fn sleb(&mut self) -> Result<i64, DecodeBoundError> {
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
    fn skip(&mut self, n: u64) -> Result<(), DecodeBoundError> {
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
    fn drain(&mut self) -> Result<u64, DecodeBoundError> {
        if self.peeked.take().is_some() {
            self.consumed += 1;
        }
        let rest = io::copy(&mut self.inner, &mut io::sink()).map_err(io_error)?;
        self.consumed += rest;
        Ok(self.consumed)
    }
}

/// The most probes and bits per entry a Bloom filter in a sync message may
/// claim. Automerge writes 7 and 10; a filter claiming billions of probes
/// would cost billions of steps per change looked up, and one claiming
/// entries but no bits makes automerge divide by zero.
const MAX_BLOOM_PROBES: u64 = 64;
const MAX_BLOOM_BITS_PER_ENTRY: u64 = 64;

/// Checks a decoded sync message before automerge acts on it: its changes
/// share one budget under `limits`, and each Bloom filter in `have` is one
/// automerge can look hashes up in at a sane cost.
pub fn check_sync_message(
    message: &automerge::sync::Message,
    limits: DecodeLimits,
) -> Result<(), DecodeBoundError> {
    let mut budget = Budget::new(limits);
    for entry in message.changes.iter() {
        check(entry, &mut budget)?;
    }
    for have in &message.have {
        let bytes = have.bloom.to_bytes();
        if bytes.is_empty() {
            continue;
        }
        let mut src = Bytes::new(bytes.as_slice());
        let entries = src.uleb()?;
        let bits = src.uleb()?;
        let probes = src.uleb()?;
        if entries > 0
            && !((1..=MAX_BLOOM_BITS_PER_ENTRY).contains(&bits)
                && (1..=MAX_BLOOM_PROBES).contains(&probes))
        {
            return Err(DecodeBoundError::Malformed("a Bloom filter out of bounds"));
        }
    }
    Ok(())
}
