//! Linux: the NSS database Chrome and Chromium read (`$HOME/.pki/nssdb`), through NSS's own
//! `certutil` and `pk12util` (libnss3-tools): no maintained Rust crate imports into NSS. The
//! password reaches `pk12util` through a file in a private folder (never the command line,
//! which other users can read), and that file is overwritten and removed at once.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use zeroize::Zeroize;

use super::{Store, StoreError, StoredCertificate, key_id};

/// The NSS database in `dir` (`sql:` format, as Chrome writes it).
pub struct NssStore {
    dir: PathBuf,
}

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
        fs::create_dir_all(&self.dir).map_err(|err| StoreError::new(format!("nssdb: {err}")))?;
        run(Command::new("certutil").args(["-N", "-d", &self.database(), "--empty-password"]))
            .map(|_| ())
    }

    fn nicknames(&self) -> Result<Vec<String>, StoreError> {
        let out = run(Command::new("certutil").args(["-L", "-d", &self.database()]))?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(nickname_of_listing_line)
            .collect())
    }

    fn certificates_named(&self, nickname: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let out = run(Command::new("certutil").args([
            "-L",
            "-d",
            &self.database(),
            "-n",
            nickname,
            "-a",
        ]))?;
        Ok(pem_certificates(&String::from_utf8_lossy(&out.stdout)))
    }

    /// The key identifiers of every private key (hex, lower case).
    fn key_ids(&self, private: &PrivateDir) -> Result<Vec<String>, StoreError> {
        let db_password = private.file("db", b"")?;
        let out = Command::new("certutil")
            .args(["-K", "-d", &self.database(), "-f"])
            .arg(&db_password)
            .output()
            .map_err(|err| StoreError::new(format!("certutil: {err}")))?;
        // No key at all is a failure for certutil, an empty list for us.
        Ok(String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter(|word| word.len() == 40 && word.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_ascii_lowercase)
            .collect())
    }
}

impl Store for NssStore {
    fn name(&self) -> &'static str {
        "nss"
    }

    fn list(&self) -> Result<Vec<StoredCertificate>, StoreError> {
        if !self.exists() {
            return Ok(Vec::new());
        }
        let private = PrivateDir::new()?;
        let keys = self.key_ids(&private)?;
        let mut found: Vec<StoredCertificate> = Vec::new();
        for nickname in self.nicknames()? {
            for der in self.certificates_named(&nickname)? {
                if found.iter().any(|seen| seen.der == der) {
                    continue;
                }
                let has_private_key = key_id(&der).is_some_and(|id| keys.contains(&hex(&id)));
                found.push(StoredCertificate {
                    der,
                    has_private_key,
                });
            }
        }
        Ok(found)
    }

    fn import(&self, p12: &[u8], password: &str, _label: &str) -> Result<(), StoreError> {
        self.ensure()?;
        let private = PrivateDir::new()?;
        let file = private.file("renewed.p12", p12)?;
        let password_file = private.file("password", password.as_bytes())?;
        let db_password = private.file("db", b"")?;
        let out = Command::new("pk12util")
            .args(["-i"])
            .arg(&file)
            .args(["-d", &self.database(), "-w"])
            .arg(&password_file)
            .arg("-k")
            .arg(&db_password)
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

/// The nickname on one line of `certutil -L` (the trust flags `u,u,u` or `,,` end the line;
/// the header lines have none).
fn nickname_of_listing_line(line: &str) -> Option<String> {
    let line = line.trim_end();
    let (nickname, trust) = line.rsplit_once(char::is_whitespace)?;
    let is_trust =
        trust.split(',').count() == 3 && trust.chars().all(|c| c == ',' || c.is_ascii_alphabetic());
    let nickname = nickname.trim_end();
    (is_trust && !nickname.is_empty()).then(|| nickname.to_owned())
}

/// Every `CERTIFICATE` block of a PEM text, decoded.
fn pem_certificates(text: &str) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    text.split(BEGIN)
        .skip(1)
        .filter_map(|block| block.split(END).next())
        .filter_map(|body| {
            let joined: String = body.split_whitespace().collect();
            base64ct::Base64::decode_vec(&joined).ok()
        })
        .collect()
}

use base64ct::Encoding as _;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

/// A folder only this user can enter, for the files a tool reads; its files are overwritten
/// with zeros and removed when it is dropped.
struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    fn new() -> Result<Self, StoreError> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("weborca-companion-{}-{nanos}", std::process::id()));
        DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|err| StoreError::new(format!("private folder: {err}")))?;
        Ok(Self { path })
    }

    fn file(&self, name: &str, contents: &[u8]) -> Result<PathBuf, StoreError> {
        let path = self.path.join(name);
        let mut file: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|err| StoreError::new(format!("private file: {err}")))?;
        file.write_all(contents)
            .map_err(|err| StoreError::new(format!("private file: {err}")))?;
        Ok(path)
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        if let Ok(entries) = fs::read_dir(&self.path) {
            for entry in entries.flatten() {
                let path = entry.path();
                if let Ok(len) = fs::metadata(&path).map(|m| m.len()) {
                    let mut zeros = vec![0u8; usize::try_from(len).unwrap_or(0)];
                    let _ = fs::write(&path, &zeros);
                    zeros.zeroize();
                }
                let _ = fs::remove_file(&path);
            }
        }
        let _ = fs::remove_dir(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_are_read_from_a_listing_with_spaces_kept() {
        let listing = "\nCertificate Nickname                                         Trust Attributes\n                                                             SSL,S/MIME,JAR/XPI\n\nclient3948                                                   u,u,u\nWebORCA Test CA - WebORCA Test                               CT,C,C\nno key here                                                  ,,\n";
        let names: Vec<String> = listing
            .lines()
            .filter_map(nickname_of_listing_line)
            .collect();
        assert_eq!(
            names,
            [
                "client3948",
                "WebORCA Test CA - WebORCA Test",
                "no key here"
            ]
        );
    }
}
