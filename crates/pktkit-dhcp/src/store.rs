//! [`LeaseStore`]: the server's leases in a file, written atomically.
//!
//! A save writes a temporary file beside the target, `fsync`s it, renames
//! it over the target and `fsync`s the directory: a crash at any point
//! leaves either the old file or the new one, never a mix. The file ends
//! with an `end <count>` line, so a file cut short by anything else (a full
//! disk, a copy gone wrong) is refused on load rather than half believed.
//!
//! Format (text, one lease a line):
//!
//! ```text
//! # pktkit-dhcp leases v1
//! lease 10.0.0.10 52:54:00:12:34:56 01525400123456 1767225600
//! end 1
//! ```
//!
//! Fields: address, MAC, client identifier in hex (`-` if none), expiry in
//! Unix seconds. Not for: sharing a file between servers (no locking).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use pktkit_wire::MacAddr;

/// One saved lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistedLease {
    /// The leased address.
    pub address: Ipv4Addr,
    /// The client's MAC.
    pub mac: MacAddr,
    /// The client identifier (option 61) it was leased under, if any.
    pub client_id: Option<Vec<u8>>,
    /// When the lease ends, in Unix seconds.
    pub expires_unix: u64,
}

/// Why leases could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing the file failed.
    #[error("lease file I/O: {0}")]
    Io(#[from] io::Error),
    /// The file is not a complete lease file (line number, what is wrong).
    #[error("lease file corrupt at line {0}: {1}")]
    Corrupt(usize, &'static str),
}

const HEADER: &str = "# pktkit-dhcp leases v1";
/// Most leases a file may hold (more than any pool): a bound on what load allocates.
pub const MAX_FILE_LEASES: usize = 1 << 17;

/// A lease file. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct LeaseStore {
    path: PathBuf,
}

impl LeaseStore {
    /// A store at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LeaseStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the leases; a missing file is an empty list.
    pub fn load(&self) -> Result<Vec<PersistedLease>, StoreError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        parse(&text)
    }

    /// Replaces the file with `leases`, atomically (temp + fsync + rename + dir fsync).
    pub fn save(&self, leases: &[PersistedLease]) -> Result<(), StoreError> {
        let mut text = String::with_capacity(64 * leases.len() + 64);
        text.push_str(HEADER);
        text.push('\n');
        for l in leases {
            let id = l.client_id.as_ref().map_or_else(
                || "-".to_string(),
                |id| id.iter().map(|b| format!("{b:02x}")).collect(),
            );
            text.push_str(&format!(
                "lease {} {} {} {}\n",
                l.address, l.mac, id, l.expires_unix
            ));
        }
        text.push_str(&format!("end {}\n", leases.len()));
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self.path.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "lease file path has no file name",
            )
        })?;
        let mut tmp_name = name.to_os_string();
        tmp_name.push(format!(".tmp.{}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let result = (|| -> io::Result<()> {
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &self.path)?;
            File::open(&dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        Ok(result?)
    }
}

fn parse(text: &str) -> Result<Vec<PersistedLease>, StoreError> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, HEADER)) => {}
        _ => return Err(StoreError::Corrupt(1, "missing header")),
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let mut f = line.split(' ');
        match f.next() {
            Some("lease") => {
                if out.len() >= MAX_FILE_LEASES {
                    return Err(StoreError::Corrupt(n, "too many leases"));
                }
                let (Some(a), Some(m), Some(id), Some(exp), None) =
                    (f.next(), f.next(), f.next(), f.next(), f.next())
                else {
                    return Err(StoreError::Corrupt(n, "wrong number of fields"));
                };
                let address = a
                    .parse()
                    .map_err(|_| StoreError::Corrupt(n, "bad address"))?;
                let mac = m.parse().map_err(|_| StoreError::Corrupt(n, "bad MAC"))?;
                let client_id = if id == "-" {
                    None
                } else {
                    Some(unhex(id).ok_or(StoreError::Corrupt(n, "bad client id"))?)
                };
                let expires_unix = exp
                    .parse()
                    .map_err(|_| StoreError::Corrupt(n, "bad expiry"))?;
                out.push(PersistedLease {
                    address,
                    mac,
                    client_id,
                    expires_unix,
                });
            }
            Some("end") => {
                let count: usize = f
                    .next()
                    .and_then(|c| c.parse().ok())
                    .ok_or(StoreError::Corrupt(n, "bad end line"))?;
                if count != out.len() {
                    return Err(StoreError::Corrupt(n, "lease count mismatch"));
                }
                return Ok(out);
            }
            _ => return Err(StoreError::Corrupt(n, "unknown line")),
        }
    }
    Err(StoreError::Corrupt(
        text.lines().count(),
        "missing end line",
    ))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 512 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<PersistedLease> {
        vec![
            PersistedLease {
                address: Ipv4Addr::new(10, 0, 0, 10),
                mac: MacAddr::new(0x52, 0x54, 0, 0x12, 0x34, 0x56),
                client_id: Some(vec![1, 0x52, 0x54, 0, 0x12, 0x34, 0x56]),
                expires_unix: 1_767_225_600,
            },
            PersistedLease {
                address: Ipv4Addr::new(10, 0, 0, 11),
                mac: MacAddr::new(2, 0, 0, 0, 0, 9),
                client_id: None,
                expires_unix: 5,
            },
        ]
    }

    #[test]
    fn save_load_round_trip() {
        let dir = std::env::temp_dir().join(format!("pktkit-dhcp-store-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let store = LeaseStore::new(dir.join("leases"));
        assert_eq!(store.load().unwrap(), []);
        store.save(&sample()).unwrap();
        assert_eq!(store.load().unwrap(), sample());
        let text = fs::read_to_string(store.path()).unwrap();
        assert_eq!(
            text,
            "# pktkit-dhcp leases v1\n\
             lease 10.0.0.10 52:54:00:12:34:56 01525400123456 1767225600\n\
             lease 10.0.0.11 02:00:00:00:00:09 - 5\n\
             end 2\n"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_files_are_refused() {
        let good = "# pktkit-dhcp leases v1\nlease 10.0.0.10 52:54:00:12:34:56 - 7\nend 1\n";
        assert_eq!(parse(good).unwrap().len(), 1);
        // Every strict prefix of a good file (a torn write) is refused.
        for cut in 0..good.len() - 1 {
            assert!(parse(&good[..cut]).is_err(), "prefix {cut} accepted");
        }
        for bad in [
            "# pktkit-dhcp leases v1\nlease 10.0.0.300 52:54:00:12:34:56 - 7\nend 1\n",
            "# pktkit-dhcp leases v1\nlease 10.0.0.1 52:54:00:12:34 - 7\nend 1\n",
            "# pktkit-dhcp leases v1\nlease 10.0.0.1 52:54:00:12:34:56 0 7\nend 1\n",
            "# pktkit-dhcp leases v1\nlease 10.0.0.1 52:54:00:12:34:56 - x\nend 1\n",
            "# pktkit-dhcp leases v1\nend 1\n",
            "# other\nend 0\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
