//! Linux: the NSS database Chrome and Chromium read (`$HOME/.pki/nssdb`). Read as data: its
//! two SQLite files hold each object's PKCS#11 attributes in columns (`cert9.db` the
//! certificates, `key4.db` the keys), so a certificate is found by its DER and its key by the
//! key ID both carry (`CKA_ID`) — never by a nickname, whatever characters it has, and never
//! by a word in a tool's printed output. Written through NSS's own `pk12util`
//! (libnss3-tools: no maintained Rust crate imports into NSS), which is given the file and its
//! password as memory-only files (`memfd`, named `/dev/fd/N`): nothing of either ever reaches
//! the disk, so a companion killed at any instant leaves nothing behind, and the password is
//! never on a command line.

use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use rustix::fs::{MemfdFlags, memfd_create};

use super::{Store, StoreError, StoredCertificate, key_id};

/// The NSS database in `dir` (`sql:` format, as Chrome writes it).
pub struct NssStore {
    dir: PathBuf,
}

/// PKCS#11 object classes, as NSS stores `CKA_CLASS` (a 4-byte big-endian number, column `a0`).
const CKO_CERTIFICATE: [u8; 4] = [0, 0, 0, 1];
const CKO_PRIVATE_KEY: [u8; 4] = [0, 0, 0, 3];

impl NssStore {
    /// The current user's database, `$HOME/.pki/nssdb`.
    pub fn for_current_user() -> Result<Self, StoreError> {
        let home = std::env::var_os("HOME").ok_or_else(|| StoreError::new("HOME is not set"))?;
        Ok(Self::at(Path::new(&home).join(".pki/nssdb")))
    }

    /// The database in `dir`.
    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn database(&self) -> String {
        format!("sql:{}", self.dir.display())
    }

    fn exists(&self) -> bool {
        self.dir.join("cert9.db").exists()
    }

    /// Creates the database as Chrome would (empty password) when there is none yet.
    fn ensure(&self) -> Result<(), StoreError> {
        if self.exists() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)
            .map_err(|err| StoreError::new(format!("nssdb: {err}")))?;
        run(Command::new("certutil").args(["-N", "-d", &self.database(), "--empty-password"]))
            .map(|_| ())
    }

    /// Every certificate's DER (`CKA_VALUE`, column `a11`) in `cert9.db`.
    fn certificates(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        column_of_class(
            &self.dir.join("cert9.db"),
            "nssPublic",
            "a11",
            CKO_CERTIFICATE,
        )
    }

    /// Every private key's ID (`CKA_ID`, column `a102`) in `key4.db`.
    fn private_key_ids(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let keys = self.dir.join("key4.db");
        if !keys.exists() {
            return Ok(Vec::new());
        }
        column_of_class(&keys, "nssPrivate", "a102", CKO_PRIVATE_KEY)
    }
}

/// One attribute of every object of `class` in an NSS SQLite table, opened read-only (Chrome
/// may have the database open; NSS's own writes are waited for briefly).
fn column_of_class(
    file: &Path,
    table: &str,
    column: &str,
    class: [u8; 4],
) -> Result<Vec<Vec<u8>>, StoreError> {
    let failed = |err: rusqlite::Error| StoreError::new(format!("{}: {err}", file.display()));
    let connection = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    connection
        .busy_timeout(Duration::from_secs(5))
        .map_err(failed)?;
    // The table and column names are this file's constants, never input.
    let mut statement = connection
        .prepare(&format!("SELECT {column} FROM {table} WHERE a0 = ?1"))
        .map_err(failed)?;
    let rows = statement
        .query_map([class.as_slice()], |row| row.get::<_, Option<Vec<u8>>>(0))
        .map_err(failed)?;
    let mut values = Vec::new();
    for row in rows {
        if let Some(value) = row.map_err(failed)? {
            values.push(value);
        }
    }
    Ok(values)
}

impl Store for NssStore {
    fn name(&self) -> &'static str {
        "nss"
    }

    fn list(&self) -> Result<Vec<StoredCertificate>, StoreError> {
        if !self.exists() {
            return Ok(Vec::new());
        }
        let keys = self.private_key_ids()?;
        let mut found: Vec<StoredCertificate> = Vec::new();
        for der in self.certificates()? {
            if found.iter().any(|seen| seen.der == der) {
                continue;
            }
            // The key the certificate's public key names, as NSS names it on import.
            let has_private_key = key_id(&der).is_some_and(|id| keys.iter().any(|key| key == &id));
            found.push(StoredCertificate {
                der,
                has_private_key,
            });
        }
        Ok(found)
    }

    fn import(&self, p12: &[u8], password: &str, _label: &str) -> Result<(), StoreError> {
        self.ensure()?;
        let file = MemoryFile::holding("renewed.p12", p12)?;
        let password_file = MemoryFile::holding("password", password.as_bytes())?;
        // `-k /dev/null`: the database's own password is empty, as Chrome creates it.
        let out = Command::new("pk12util")
            .arg("-i")
            .arg(file.path())
            .args(["-d", &self.database(), "-w"])
            .arg(password_file.path())
            .args(["-k", "/dev/null"])
            .output()
            .map_err(|err| StoreError::new(format!("pk12util: {err}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(StoreError::new(format!(
                "pk12util: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }
}

/// A file that exists only in memory (Linux `memfd`), readable by a child process as
/// `/dev/fd/N`: it is inherited (no close-on-exec) and gone when the last holder closes it —
/// or is killed.
struct MemoryFile {
    fd: OwnedFd,
}

impl MemoryFile {
    fn holding(name: &str, contents: &[u8]) -> Result<Self, StoreError> {
        let failed = |err: std::io::Error| StoreError::new(format!("memory file: {err}"));
        let fd = memfd_create(name, MemfdFlags::empty()).map_err(|err| failed(err.into()))?;
        let mut file = std::fs::File::from(fd);
        file.write_all(contents).map_err(failed)?;
        Ok(Self {
            fd: OwnedFd::from(file),
        })
    }

    fn path(&self) -> String {
        format!("/dev/fd/{}", self.fd.as_raw_fd())
    }
}

fn run(command: &mut Command) -> Result<Output, StoreError> {
    let out = command
        .output()
        .map_err(|err| StoreError::new(format!("{command:?}: {err}")))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(StoreError::new(format!(
            "{}: {}",
            command.get_program().to_string_lossy(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
