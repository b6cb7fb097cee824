//! Identifiers on the wire: document ids (bs58check-encoded UUIDs), their
//! `automerge:` URL form, peer and storage ids, and bs58check-encoded heads.

use std::fmt;
use std::str::FromStr;

use automerge::ChangeHash;

/// Longest peer or storage id accepted from the network, in bytes.
pub const MAX_ID_LEN: usize = 256;

/// A document id: 16 random bytes (a UUID), written as bs58check on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

/// Why a document id, URL or head could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadsError {
    /// The text is not valid bs58check (bad alphabet or checksum).
    #[error("not valid bs58check: {0}")]
    NotBs58Check(String),
    /// The decoded bytes have the wrong length.
    #[error("expected {expected} bytes, found {found}")]
    WrongLength {
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        found: usize,
    },
    /// A URL without the `automerge:` scheme.
    #[error("not an automerge: URL")]
    NotAnAutomergeUrl,
}

fn bs58check_decode(text: &str) -> Result<Vec<u8>, HeadsError> {
    bs58::decode(text)
        .with_check(None)
        .into_vec()
        .map_err(|e| HeadsError::NotBs58Check(e.to_string()))
}

impl DocumentId {
    /// A document id from its 16 bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// A document id from a UUID (the driver supplies randomness).
    pub fn from_uuid(uuid: uuid::Uuid) -> Self {
        Self(*uuid.as_bytes())
    }

    /// The 16 bytes of the id.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The id as a UUID.
    pub fn to_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::from_bytes(self.0)
    }

    /// The `automerge:` URL of this document.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = HeadsError;

    /// Parses the bs58check form, or an `automerge:` URL (heads ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("automerge:") {
            return Ok(s.parse::<AutomergeUrl>()?.document_id);
        }
        let bytes = bs58check_decode(s)?;
        let found = bytes.len();
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| HeadsError::WrongLength {
            expected: 16,
            found,
        })?;
        Ok(Self(bytes))
    }
}

/// An `automerge:<documentId>[#<head>|<head>…]` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutomergeUrl {
    /// The document.
    pub document_id: DocumentId,
    /// Heads pinned by the URL (a view of the document at a point in time).
    pub heads: Option<Vec<ChangeHash>>,
}

impl FromStr for AutomergeUrl {
    type Err = HeadsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s
            .strip_prefix("automerge:")
            .ok_or(HeadsError::NotAnAutomergeUrl)?;
        let (id, heads) = match rest.split_once('#') {
            Some((id, heads)) => (id, Some(heads)),
            None => (rest, None),
        };
        let heads = heads
            .map(|h| h.split('|').map(decode_head).collect::<Result<Vec<_>, _>>())
            .transpose()?;
        Ok(Self {
            document_id: id.parse()?,
            heads,
        })
    }
}

impl fmt::Display for AutomergeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "automerge:{}", self.document_id)?;
        if let Some(heads) = &self.heads {
            let encoded: Vec<String> = heads.iter().map(encode_head).collect();
            write!(f, "#{}", encoded.join("|"))?;
        }
        Ok(())
    }
}

/// A change hash as automerge-repo writes heads: bs58check of the 32 bytes.
pub fn encode_head(hash: &ChangeHash) -> String {
    bs58::encode(hash.0).with_check().into_string()
}

/// Parses a bs58check-encoded head.
pub fn decode_head(text: &str) -> Result<ChangeHash, HeadsError> {
    let bytes = bs58check_decode(text)?;
    let found = bytes.len();
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| HeadsError::WrongLength {
        expected: 32,
        found,
    })?;
    Ok(ChangeHash(bytes))
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id; the codec checks length before calling this.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// An ephemeral peer id: lives as long as the peer's process.
    PeerId
);
string_id!(
    /// A storage id: names a peer's persistent storage across restarts.
    StorageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_id_round_trips_through_bs58check_and_url() {
        let id = DocumentId::from_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(text.parse::<DocumentId>(), Ok(id));
        assert_eq!(id.url().parse::<DocumentId>(), Ok(id));
        assert!(id.url().starts_with("automerge:"));
    }

    #[test]
    fn document_id_rejects_bad_checksum_and_length() {
        let mut text = DocumentId::from_bytes([1; 16]).to_string();
        let last = text.pop().map(|c| if c == '2' { '3' } else { '2' });
        text.extend(last);
        assert!(matches!(
            text.parse::<DocumentId>(),
            Err(HeadsError::NotBs58Check(_))
        ));
        let short = bs58::encode([1u8; 8]).with_check().into_string();
        assert_eq!(
            short.parse::<DocumentId>(),
            Err(HeadsError::WrongLength {
                expected: 16,
                found: 8
            })
        );
        assert_eq!(
            "not-a-url".parse::<AutomergeUrl>(),
            Err(HeadsError::NotAnAutomergeUrl)
        );
    }

    #[test]
    fn url_with_heads_round_trips() {
        let url = AutomergeUrl {
            document_id: DocumentId::from_bytes([9; 16]),
            heads: Some(vec![ChangeHash([1; 32]), ChangeHash([2; 32])]),
        };
        assert_eq!(url.to_string().parse::<AutomergeUrl>(), Ok(url));
    }
}
