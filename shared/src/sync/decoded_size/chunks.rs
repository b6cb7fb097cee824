//! The chunks of automerge's binary storage, measured: a chunk's header,
//! then a change's fields and op columns (inflated through a counting
//! reader when the whole change is deflated), a document's or a bundle's
//! actors, heads and column blocks.

use std::io::Read;

use super::columns::{DEFLATE_BIT, column_meta, column_rows, columns};
use super::reader::Bytes;
use super::{Budget, DecodeBoundError};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;
const BUNDLE: u8 = 3;

/// Checks the chunk at the start of `bytes`; returns what follows it.
pub(super) fn chunk<'a>(
    bytes: &'a [u8],
    budget: &mut Budget,
) -> Result<&'a [u8], DecodeBoundError> {
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
