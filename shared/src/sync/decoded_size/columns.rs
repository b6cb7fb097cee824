//! Columns: the `(spec, length)` metadata blocks, the bytes and rows of
//! a block of columns (each deflated one inflated only as far as the
//! budget allows), and the rows one run-length encoded column describes.

use std::io::Read;

use super::reader::Bytes;
use super::{Budget, DecodeBoundError};

/// Bit 3 of a column's spec: the column is deflated.
pub(super) const DEFLATE_BIT: u64 = 0b1000;

/// Measures the columns laid out from the start of `data`; returns the
/// bytes they take there.
pub(super) fn columns(
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
pub(super) fn column_meta<R: Read>(
    src: &mut Bytes<R>,
) -> Result<Vec<(u64, u64)>, DecodeBoundError> {
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
pub(super) fn column_rows<R: Read>(
    spec: u64,
    src: &mut Bytes<R>,
    max: u64,
) -> Result<u64, DecodeBoundError> {
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
