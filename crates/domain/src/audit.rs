//! The audit chain: every record carries the hash of the one before it, so an edited,
//! deleted or reordered record breaks the chain at a known sequence number.

use sha2::{Digest, Sha256};

/// The hash that stands before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as hashed: every field that a tamperer could change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// How a record's fields were encoded for hashing. Records keep the version they were hashed
/// with, so records written before an encoding change still verify.
pub const HASH_VERSION: i64 = 2;

impl AuditEntry {
    /// The record's hash given its predecessor's, in the current encoding ([`HASH_VERSION`]):
    /// every field is tagged present or absent and length-prefixed, after a version label, so
    /// no two different records hash the same input.
    pub fn hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"pacesetter-audit-v2");
        let mut field = |value: Option<&str>| match value {
            None => hasher.update([0u8]),
            Some(value) => {
                hasher.update([1u8]);
                hasher.update((value.len() as u64).to_be_bytes());
                hasher.update(value.as_bytes());
            }
        };
        field(Some(prev_hash));
        field(Some(&self.seq.to_string()));
        field(Some(&self.at));
        field(self.actor_id.map(|id| id.to_string()).as_deref());
        field(Some(&self.actor_name));
        field(Some(&self.action));
        field(Some(&self.entity));
        field(self.entity_id.map(|id| id.to_string()).as_deref());
        field(self.before.as_deref());
        field(self.after.as_deref());
        field(self.ip.as_deref());
        field(self.request_id.as_deref());
        to_hex(&hasher.finalize())
    }

    /// The first encoding, kept to verify records written with it: absent fields were written
    /// as `""` (or NUL for before/after), so they hashed like those values.
    pub fn hash_v1(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        let mut field = |value: &str| {
            hasher.update((value.len() as u64).to_be_bytes());
            hasher.update(value.as_bytes());
        };
        field(prev_hash);
        field(&self.seq.to_string());
        field(&self.at);
        field(&self.actor_id.map(|id| id.to_string()).unwrap_or_default());
        field(&self.actor_name);
        field(&self.action);
        field(&self.entity);
        field(&self.entity_id.map(|id| id.to_string()).unwrap_or_default());
        field(self.before.as_deref().unwrap_or("\u{0}"));
        field(self.after.as_deref().unwrap_or("\u{0}"));
        field(self.ip.as_deref().unwrap_or(""));
        field(self.request_id.as_deref().unwrap_or(""));
        to_hex(&hasher.finalize())
    }

    /// The hash in the encoding `version`, or `None` for a version this build does not know.
    pub fn hash_as(&self, version: i64, prev_hash: &str) -> Option<String> {
        match version {
            1 => Some(self.hash_v1(prev_hash)),
            2 => Some(self.hash(prev_hash)),
            _ => None,
        }
    }
}

/// A stored record: the entry plus the two hashes kept beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAudit {
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
    /// The encoding the hash was made with (see [`HASH_VERSION`]).
    pub hash_version: i64,
}

/// Why the chain is broken, naming the first bad record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("audit record {seq}: its content does not match its hash (edited)")]
    Edited { seq: i64 },
    #[error("audit record {seq}: it does not follow record {expected_prev} (a record was deleted or moved)")]
    Broken { seq: i64, expected_prev: i64 },
    #[error("audit record {seq}: expected sequence number {expected} (a record was deleted or moved)")]
    Gap { seq: i64, expected: i64 },
    #[error(
        "audit record {seq}: hashed with encoding {version}, which is unknown or older than the record before it (edited)"
    )]
    Version { seq: i64, version: i64 },
    #[error(
        "audit record {anchored} is missing: the chain ends at record {last}, but the audit anchor was written after record {anchored} (the newest records were removed)"
    )]
    Truncated { last: i64, anchored: i64 },
    #[error("audit record {seq}: its hash differs from the one the audit anchor recorded (the chain was rewritten)")]
    Rewritten { seq: i64 },
}

/// Walks records in sequence order and checks every link. Returns how many were checked.
pub fn verify_chain<I: IntoIterator<Item = StoredAudit>>(records: I) -> Result<u64, ChainError> {
    let mut prev_hash = GENESIS.to_owned();
    let mut prev_version = 1;
    let mut count = 0;
    for (expected_seq, record) in (1..).zip(records) {
        let seq = record.entry.seq;
        if seq != expected_seq {
            return Err(ChainError::Gap { seq, expected: expected_seq });
        }
        if record.prev_hash != prev_hash {
            return Err(ChainError::Broken { seq, expected_prev: seq - 1 });
        }
        // Encodings only move forward: relabelling a new record as old would let it hash absent
        // fields like empty ones again.
        if record.hash_version < prev_version {
            return Err(ChainError::Version { seq, version: record.hash_version });
        }
        match record.entry.hash_as(record.hash_version, &record.prev_hash) {
            None => return Err(ChainError::Version { seq, version: record.hash_version }),
            Some(hash) if hash != record.hash => return Err(ChainError::Edited { seq }),
            Some(_) => {}
        }
        prev_version = record.hash_version;
        prev_hash = record.hash;
        count += 1;
    }
    Ok(count)
}

/// The newest committed record as last seen by the application, kept outside the database
/// (the `audit-anchor` file) so that removing records and rewinding the head is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

const ANCHOR_HEADER: &str = "pacesetter audit anchor v1";

impl Anchor {
    /// The file's text: a header line, then `seq N` and `hash H`.
    pub fn to_text(&self) -> String {
        format!("{ANCHOR_HEADER}\nseq {}\nhash {}\n", self.seq, self.hash)
    }

    /// Reads the file's text; `None` when it is not an anchor.
    pub fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        if lines.next()? != ANCHOR_HEADER {
            return None;
        }
        let seq = lines.next()?.strip_prefix("seq ")?.parse().ok()?;
        let hash = lines.next()?.strip_prefix("hash ")?;
        let is_hash = hash.len() == GENESIS.len() && hash.bytes().all(|b| b.is_ascii_hexdigit());
        (is_hash && seq > 0 && lines.next().is_none()).then(|| Self { seq, hash: hash.to_owned() })
    }

    /// Checks a verified chain against the anchor: the chain must reach the anchored record,
    /// and that record must still have the anchored hash. `hash_at_anchor` is the hash of the
    /// chain's record with the anchor's sequence number, if there is one.
    pub fn check(&self, last_seq: i64, hash_at_anchor: Option<&str>) -> Result<(), ChainError> {
        match hash_at_anchor {
            _ if last_seq < self.seq => Err(ChainError::Truncated { last: last_seq, anchored: self.seq }),
            Some(hash) if hash == self.hash => Ok(()),
            _ => Err(ChainError::Rewritten { seq: self.seq }),
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0xf) as usize] as char);
    }
    out
}

/// Lower-case hex SHA-256 of some bytes (tokens, files).
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(n: i64) -> Vec<StoredAudit> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry {
                    seq,
                    at: format!("2023-04-02T08:00:{seq:02}.000000Z"),
                    actor_id: Some(1),
                    actor_name: "admin".into(),
                    action: "unit.update".into(),
                    entity: "unit".into(),
                    entity_id: Some(seq),
                    before: Some(format!("{{\"v\":{seq}}}")),
                    after: Some(format!("{{\"v\":{}}}", seq + 1)),
                    ip: None,
                    request_id: None,
                };
                let hash = entry.hash(&prev);
                let stored =
                    StoredAudit { entry, prev_hash: prev.clone(), hash: hash.clone(), hash_version: HASH_VERSION };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn absent_empty_and_nul_fields_hash_differently() {
        let base = chain(1).remove(0).entry;
        let variants = [None, Some(String::new()), Some("\u{0}".to_owned())];
        let set = |field: usize, value: Option<String>| {
            let mut entry = base.clone();
            match field {
                0 => entry.before = value,
                1 => entry.after = value,
                2 => entry.ip = value,
                _ => entry.request_id = value,
            }
            entry
        };
        for field in 0..4 {
            let hashes: Vec<String> = variants.iter().map(|v| set(field, v.clone()).hash(GENESIS)).collect();
            assert_ne!(hashes[0], hashes[1], "field {field}: absent and empty");
            assert_ne!(hashes[0], hashes[2], "field {field}: absent and NUL");
            assert_ne!(hashes[1], hashes[2], "field {field}: empty and NUL");
        }
        let mut no_actor = base.clone();
        no_actor.actor_id = None;
        let mut no_entity = base.clone();
        no_entity.entity_id = None;
        assert_ne!(no_actor.hash(GENESIS), base.hash(GENESIS));
        assert_ne!(no_entity.hash(GENESIS), base.hash(GENESIS));
    }

    #[test]
    fn records_hashed_with_the_first_encoding_still_verify() {
        // An installation upgraded after 3 records: those keep the old encoding.
        let mut records = chain(5);
        let mut prev = GENESIS.to_owned();
        for record in &mut records {
            record.prev_hash = prev.clone();
            let version = if record.entry.seq <= 3 { 1 } else { HASH_VERSION };
            record.hash_version = version;
            record.hash = record.entry.hash_as(version, &prev).unwrap();
            prev = record.hash.clone();
        }
        assert_eq!(verify_chain(records.clone()), Ok(5));
        // A new record relabelled as old is refused, and so is an unknown encoding.
        let mut relabelled = records.clone();
        relabelled[4].hash_version = 1;
        assert_eq!(verify_chain(relabelled), Err(ChainError::Version { seq: 5, version: 1 }));
        let mut unknown = records;
        unknown[0].hash_version = 9;
        assert_eq!(verify_chain(unknown), Err(ChainError::Version { seq: 1, version: 9 }));
    }

    #[test]
    fn the_anchor_round_trips_and_finds_cut_or_rewritten_chains() {
        let records = chain(5);
        let anchor = Anchor { seq: 4, hash: records[3].hash.clone() };
        assert_eq!(Anchor::parse(&anchor.to_text()), Some(anchor.clone()));
        assert_eq!(Anchor::parse("pacesetter audit anchor v1\nseq 4\nhash xyz\n"), None);
        assert_eq!(anchor.check(5, Some(&records[3].hash)), Ok(()));
        assert_eq!(anchor.check(4, Some(&records[3].hash)), Ok(()));
        assert_eq!(anchor.check(3, None), Err(ChainError::Truncated { last: 3, anchored: 4 }));
        assert_eq!(anchor.check(0, None), Err(ChainError::Truncated { last: 0, anchored: 4 }));
        assert_eq!(anchor.check(5, Some(&records[2].hash)), Err(ChainError::Rewritten { seq: 4 }));
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(chain(20)), Ok(20));
        assert_eq!(verify_chain(Vec::new()), Ok(0));
    }

    proptest! {
        #[test]
        fn every_tampering_is_found_at_the_first_bad_record(n in 2i64..30, pick in 0usize..1000, how in 0u8..3) {
            let mut records = chain(n);
            let at = pick % records.len();
            match how {
                0 => { records[at].entry.after = Some("{\"v\":999}".into()); }
                1 => { records.remove(at); }
                _ => {
                    let other = (at + 1) % records.len();
                    records.swap(at, other);
                }
            }
            let error = verify_chain(records.clone());
            if how == 1 && at == records.len() {
                // Deleting the newest record is detected by comparing with the stored head.
                prop_assert!(error.is_ok());
            } else {
                prop_assert!(error.is_err());
            }
        }
    }
}
