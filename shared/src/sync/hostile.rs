//! Hostile automerge bytes for tests: chunks that weigh kilobytes and decode
//! to gigabytes or billions of operations, as a security review sent them.
//!
//! They are well-formed as far as automerge's parser goes (a real change
//! rewritten, checksums recomputed), so without [`super::decoded_size`]
//! automerge would inflate or walk them in full. Used by this crate's
//! tests, the device library's and the cross-process tests; nothing in the
//! product sends them.

use std::io::{self, Write};

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ScalarValue};
use sha2::{Digest, Sha256};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Appends `value` as an unsigned LEB128 number.
pub fn uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// An encoded sync message (for a new participant record) whose changes
/// are `chunk`: how a bomb travels in a `sync` frame.
pub fn sync_message_carrying(chunk: Vec<u8>) -> Vec<u8> {
    let mut doc = AutoCommit::new();
    let _ = doc.put(ROOT, "@type", "alongside/participant");
    let mut message = doc
        .sync()
        .generate_sync_message(&mut automerge::sync::State::new())
        .unwrap_or_else(|| automerge::sync::Message {
            heads: Vec::new(),
            need: Vec::new(),
            have: Vec::new(),
            changes: automerge::sync::ChunkList::empty(),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        });
    message.changes = automerge::sync::ChunkList::from(vec![chunk]);
    message.encode()
}

/// A chunk of `chunk_type` around `data`, with the checksum automerge
/// computes (the first four bytes of SHA-256 over type, length and data).
pub fn chunk(chunk_type: u8, data: &[u8]) -> Vec<u8> {
    let mut header = vec![chunk_type];
    uleb(&mut header, data.len() as u64);
    let mut hasher = Sha256::new();
    hasher.update(&header);
    hasher.update(data);
    let digest = hasher.finalize();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&digest[..4]);
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out
}

/// Raw deflate of `n` zero bytes, made without holding them.
pub fn deflated_zeros(n: u64) -> Vec<u8> {
    deflate_after(&[], n)
}

/// Raw deflate of a change header followed by about `n` zeros.
fn deflated_change(n: u64) -> Vec<u8> {
    // deps 0, actor (1 byte), seq 1, start op 1, time 0, message 0, other
    // actors 0, op columns 0.
    deflate_after(&[0, 1, 0xaa, 1, 1, 0, 0, 0, 0], n)
}

/// Raw deflate of `prefix` and then `n` zero bytes.
fn deflate_after(prefix: &[u8], n: u64) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    if encoder.write_all(prefix).is_err() {
        return Vec::new();
    }
    let block = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let take = usize::try_from(left.min(block.len() as u64)).unwrap_or(block.len());
        if encoder.write_all(&block[..take]).is_err() {
            break;
        }
        left -= take as u64;
    }
    encoder.finish().unwrap_or_default()
}

/// A compressed-change chunk (type 2) whose deflate stream inflates to
/// about `inflated` bytes: a change header (no dependencies, one actor,
/// no operations) followed by zeros that automerge keeps as the change's
/// extra bytes.
pub fn deflate_bomb(inflated: u64) -> Vec<u8> {
    // The compressed chunk's checksum is that of the change it inflates
    // to; automerge inflates before it can compare, so any will do.
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.push(2);
    let data = deflated_change(inflated);
    uleb(&mut out, data.len() as u64);
    out.extend_from_slice(&data);
    out
}

/// A change chunk (type 1) with one operation (`root.k = null`) whose
/// run-length encoded columns are rewritten to repeat it `ops` times. A
/// few dozen bytes, valid checksum: automerge would visit every operation.
pub fn rle_bomb(ops: u64) -> Vec<u8> {
    let mut doc = AutoCommit::new();
    let _ = doc.put(ROOT, "k", ScalarValue::Null);
    let raw = doc
        .get_last_local_change()
        .map(|c| c.raw_bytes().to_vec())
        .unwrap_or_default();
    repeat_ops(&raw, ops).unwrap_or_default()
}

/// Rewrites a one-operation change chunk so that each of its columns
/// describes `ops` rows.
fn repeat_ops(raw: &[u8], ops: u64) -> io::Result<Vec<u8>> {
    let bad = || io::Error::other("unexpected change layout");
    let mut r = Reader { bytes: raw, at: 9 };
    let len = r.uleb()?;
    let data_start = r.at;
    let data_end = data_start + usize::try_from(len).map_err(|_| bad())?;
    // Header fields up to the column metadata, copied as they are.
    let deps = r.uleb()?;
    r.at += 32 * usize::try_from(deps).map_err(|_| bad())?;
    let actor = r.uleb()?;
    r.at += usize::try_from(actor).map_err(|_| bad())?;
    r.uleb()?;
    r.uleb()?;
    r.sleb()?;
    let message = r.uleb()?;
    r.at += usize::try_from(message).map_err(|_| bad())?;
    let others = r.uleb()?;
    for _ in 0..others {
        let l = r.uleb()?;
        r.at += usize::try_from(l).map_err(|_| bad())?;
    }
    let prefix = raw.get(data_start..r.at).ok_or_else(bad)?.to_vec();
    let count = r.uleb()?;
    let mut meta = Vec::new();
    for _ in 0..count {
        meta.push((r.uleb()?, r.uleb()?));
    }
    let mut columns = Vec::new();
    for &(spec, col_len) in &meta {
        let col_len = usize::try_from(col_len).map_err(|_| bad())?;
        let body = raw.get(r.at..r.at + col_len).ok_or_else(bad)?;
        r.at += col_len;
        columns.push((spec, repeat_column(spec, body, ops).ok_or_else(bad)?));
    }
    let extra = raw.get(r.at..data_end).ok_or_else(bad)?;
    let mut data = prefix;
    uleb(&mut data, columns.len() as u64);
    for (spec, body) in &columns {
        uleb(&mut data, *spec);
        uleb(&mut data, body.len() as u64);
    }
    for (_, body) in &columns {
        data.extend_from_slice(body);
    }
    data.extend_from_slice(extra);
    Ok(chunk(1, &data))
}

/// One column describing a single row, made to describe `ops` rows.
fn repeat_column(spec: u64, body: &[u8], ops: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let rows = i64::try_from(ops).ok()?;
    match spec & 0b111 {
        // Boolean: run lengths, starting with false.
        4 => {
            let mut r = Reader { bytes: body, at: 0 };
            let falses = r.uleb().ok()?;
            if falses == 1 {
                uleb(&mut out, ops);
            } else {
                uleb(&mut out, 0);
                uleb(&mut out, ops);
            }
        }
        // A raw value column: null values have no bytes.
        7 => {
            if !body.is_empty() {
                return None;
            }
        }
        _ => {
            let mut r = Reader { bytes: body, at: 0 };
            let run = r.sleb().ok()?;
            match run {
                // A null run.
                0 => {
                    out.push(0);
                    uleb(&mut out, ops);
                }
                // One literal or a run of one: repeat its value.
                -1 | 1 => {
                    sleb(&mut out, rows);
                    out.extend_from_slice(body.get(r.at..)?);
                }
                _ => return None,
            }
        }
    }
    Some(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> io::Result<u8> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| io::Error::other("short"))?;
        self.at += 1;
        Ok(b)
    }

    fn uleb(&mut self) -> io::Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(io::Error::other("long"))
    }

    fn sleb(&mut self) -> io::Result<i64> {
        let mut value = 0i64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            value |= i64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
            if shift >= 64 {
                return Err(io::Error::other("long"));
            }
        }
    }
}
