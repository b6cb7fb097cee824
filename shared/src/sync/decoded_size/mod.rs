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

mod chunks;
mod columns;
mod reader;

use reader::Bytes;

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
        rest = chunks::chunk(rest, budget)?;
    }
    Ok(())
}

/// Checks `bytes` alone under `limits`.
pub fn check_within(bytes: &[u8], limits: DecodeLimits) -> Result<(), DecodeBoundError> {
    check(bytes, &mut Budget::new(limits))
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
