//! Windows: the current user's personal store (`MY`, "Personal" in certmgr), where Chrome and
//! Edge look for client certificates, through CryptoAPI (crypt32). A `.p12` is opened by
//! `PFXImportCertStore`, which keeps its private key in the user's key store, and the
//! certificate the core read from it goes into `MY` with that key. Keys are imported not
//! exportable, as the Windows import wizard does by default.
//!
//! Nothing already in `MY` is ever replaced or removed: an entry for the same certificate is
//! left as it is and the import refused (unless it already works), and a key container the
//! import created but no entry uses is deleted again, so a refused or failed import leaves the
//! store and the key store as they were.
// With admin/windows.rs (one registry read), the only unsafe code of the crate: CryptoAPI has no
// safe binding. Each block says why it holds.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ptr;

use weborca_cert::{RenewalCode as Code, read_certificate_file};
use windows_sys::Win32::Foundation::{CRYPT_E_EXISTS, GetLastError};
use windows_sys::Win32::Security::Cryptography::{
    CERT_CONTEXT, CERT_FRIENDLY_NAME_PROP_ID, CERT_KEY_PROV_INFO_PROP_ID, CERT_NCRYPT_KEY_SPEC,
    CERT_STORE_ADD_NEW, CERT_STORE_PROV_SYSTEM_W, CERT_STORE_READONLY_FLAG,
    CERT_SYSTEM_STORE_CURRENT_USER, CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG,
    CRYPT_ACQUIRE_COMPARE_KEY_FLAG, CRYPT_ACQUIRE_SILENT_FLAG, CRYPT_DELETEKEYSET,
    CRYPT_INTEGER_BLOB, CRYPT_KEY_PROV_INFO, CRYPT_MACHINE_KEYSET, CRYPT_SILENT, CRYPT_USER_KEYSET,
    CertAddCertificateContextToStore, CertCloseStore, CertEnumCertificatesInStore,
    CertGetCertificateContextProperty, CertOpenStore, CertSetCertificateContextProperty,
    CryptAcquireCertificatePrivateKey, CryptAcquireContextW, CryptReleaseContext, HCERTSTORE,
    NCRYPT_MACHINE_KEY_FLAG, NCRYPT_SILENT_FLAG, NCryptDeleteKey, NCryptFreeObject, NCryptOpenKey,
    NCryptOpenStorageProvider, PFXImportCertStore,
};
use zeroize::Zeroizing;

use super::{Store, StoreError, StoredCertificate};

/// The current user's `MY` store.
pub struct WindowsStore;

impl WindowsStore {
    /// The store of the user the companion runs as (Chrome starts it as the signed-in user).
    pub fn for_current_user() -> Self {
        Self
    }
}

/// How the import opens a `.p12`. `CRYPT_USER_KEYSET`: the key goes to the user's keys even
/// if the file asks for the machine's. Left out on purpose: `CRYPT_EXPORTABLE` (the key stays
/// in this computer; the companion's backup is the `.p12` itself), `PKCS12_ALLOW_OVERWRITE_KEY`
/// (a key container of the same name may belong to another certificate: without it, Windows
/// refuses the file rather than overwrite one, so every container a successful import names is
/// new) and the CNG preferences (Windows picks CNG itself for EC keys; Chrome reads both).
const IMPORT_FLAGS: u32 = CRYPT_USER_KEYSET;

/// A key counts only when it opens with no prompt and matches the certificate's public key.
const ACQUIRE_FLAGS: u32 = CRYPT_ACQUIRE_SILENT_FLAG
    | CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG
    | CRYPT_ACQUIRE_COMPARE_KEY_FLAG;

impl Store for WindowsStore {
    fn name(&self) -> &'static str {
        "windows"
    }

    fn list(&self) -> Result<Vec<StoredCertificate>, StoreError> {
        let my = OpenStore::my(true)?;
        // Every entry as it is, a duplicate too: the tests count them.
        let mut found = Vec::new();
        my.for_each(|context| {
            found.push(StoredCertificate {
                der: context.der().to_vec(),
                has_private_key: context.has_usable_key(),
            });
        });
        Ok(found)
    }

    fn import(&self, p12: &[u8], password: &str, label: &str) -> Result<(), StoreError> {
        import_into(&OpenStore::my(false)?, p12, password, label)
    }

    /// The user's view of the intermediate (`CA`) and root (`Root`) stores, where the import
    /// wizard puts a `.p12`'s CA certificates: where the issuer of a certificate in `MY` is.
    fn authorities(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut found = Vec::new();
        for name in ["CA", "Root"] {
            // A store that cannot be opened only means no issuer is found there.
            if let Ok(store) = OpenStore::system(name, true) {
                store.for_each(|context| found.push(context.der().to_vec()));
            }
        }
        Ok(found)
    }
}

/// Imports the certificate the core reads from `p12` (its leaf, the one with the key) into
/// `my` with its key, as a new entry and only as one.
fn import_into(my: &OpenStore, p12: &[u8], password: &str, label: &str) -> Result<(), StoreError> {
    let leaf = read_certificate_file(p12, Some(password), None)
        .map_err(|err| StoreError::new(format!("the file: {err}")))?
        .certificate
        .sha256_fingerprint;
    // Decided before the file's key is written anywhere: a refusal touches nothing.
    if let Some(existing) = my.entry_for(&leaf) {
        return existing.refusal().map_or(Ok(()), Err);
    }
    import_new(my, p12, password, &leaf, label)
}

/// Imports the file's keys and adds its `leaf` to `my` as a new entry; whatever happens, deletes
/// the key containers the import wrote that no entry of `my` uses.
fn import_new(
    my: &OpenStore,
    p12: &[u8],
    password: &str,
    leaf: &str,
    label: &str,
) -> Result<(), StoreError> {
    let pfx = OpenStore::pfx(p12, password)?;
    // Every key container the file's import just wrote, whatever happens next.
    let written = pfx.key_links();
    let added = add_leaf(my, &pfx, leaf, label);
    // Closed first: a context of the file may still hold its key container open.
    drop(pfx);
    let left = forget_unused(&written, my);
    match added {
        Ok(()) => {
            for note in left {
                // The import stands; the stray key is said in Chrome's log for the administrator.
                eprintln!("weborca-companion: {note}");
            }
            Ok(())
        }
        Err(mut err) => {
            for note in left {
                err.detail = format!("{}; {note}", err.detail);
            }
            Err(err)
        }
    }
}

/// What `MY` already holds for a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Existing {
    /// An entry whose key opens silently and matches: the certificate is already usable.
    Usable,
    /// Entries linked to a key that does not open without asking the user (a protected key, a
    /// card or TPM, or a key gone): left as they are.
    Guarded,
    /// Entries without any key (opened from a `.crt`): left as they are too.
    Keyless,
}

impl Existing {
    /// The most usable of two entries for the same certificate.
    fn best(self, other: Self) -> Self {
        use Existing::{Guarded, Keyless, Usable};
        match (self, other) {
            (Usable, _) | (_, Usable) => Usable,
            (Guarded, _) | (_, Guarded) => Guarded,
            (Keyless, Keyless) => Keyless,
        }
    }

    /// Why the import does not go over an entry that is there already; none when the entry
    /// already works (asked again after the answer was lost: nothing to do, and no second copy
    /// of the key).
    fn refusal(self) -> Option<StoreError> {
        match self {
            Self::Usable => None,
            Self::Guarded => Some(StoreError::with(
                Code::CompanionKeyProtected,
                "this certificate is already in CurrentUser\\MY with a key that does not open \
                 without asking the user (a protected key, a card or TPM, or a key no longer \
                 there); the entry is left as it is",
            )),
            Self::Keyless => Some(StoreError::new(
                "this certificate is already in CurrentUser\\MY without its key; the entry is \
                 not replaced (remove it in certmgr, then import the renewed file again)",
            )),
        }
    }
}

/// Adds the file's `leaf` to `my` as a new entry, linked to the key the import wrote.
fn add_leaf(my: &OpenStore, pfx: &OpenStore, leaf: &str, label: &str) -> Result<(), StoreError> {
    let mut outcome = Err(StoreError::new(
        "Windows did not read the file's certificate with its key",
    ));
    pfx.for_each(|context| {
        // Only the leaf the core read: CA certificates in the file are left out (the companion
        // never changes what the computer trusts), whatever key link Windows gave them.
        if outcome.is_ok() || !context.is(leaf) || context.key_link().is_none() {
            return;
        }
        if !context.has_property(CERT_FRIENDLY_NAME_PROP_ID) {
            // A missing name is only a nicer label in certmgr: not worth failing for.
            let _ = context.set_friendly_name(label);
        }
        // ADD_NEW: never over an entry that is there (one added since `entry_for` looked is
        // refused too, CRYPT_E_EXISTS). No REPLACE_EXISTING, USE_EXISTING or INHERIT variant:
        // they replace the entry or merge into it.
        // SAFETY: `my.0` is an open store and `context.0` a live context of `pfx`.
        let ok = unsafe {
            CertAddCertificateContextToStore(my.0, context.0, CERT_STORE_ADD_NEW, ptr::null_mut())
        };
        outcome = if ok != 0 {
            Ok(())
        } else {
            // SAFETY: no arguments; reads this thread's last error.
            let code = unsafe { GetLastError() };
            Err(if code as i32 == CRYPT_E_EXISTS {
                StoreError::new(
                    "this certificate was added to CurrentUser\\MY meanwhile; that entry is left \
                     as it is",
                )
            } else {
                StoreError::new(format!(
                    "CertAddCertificateContextToStore: error 0x{code:08X}"
                ))
            })
        };
    });
    outcome
}

/// Deletes every container of `written` that no entry of `my` uses now (the added entry's stays),
/// so an import leaves no key behind that nothing points to. A container an entry links to is
/// never touched, whoever wrote it: there is no unique namespace for container names. Returns
/// what could not be deleted, for the log.
fn forget_unused(written: &[KeyLink], my: &OpenStore) -> Vec<String> {
    let mut in_use = Vec::new();
    my.for_each(|context| in_use.extend(context.key_link()));
    let mut left = Vec::new();
    for (i, link) in written.iter().enumerate() {
        let repeated = written[..i]
            .iter()
            .any(|earlier| earlier.same_container(link));
        if repeated || in_use.iter().any(|used| used.same_container(link)) {
            continue;
        }
        if let Err(err) = link.delete() {
            left.push(err);
        }
    }
    left
}

/// Where a certificate's private key is kept (its `CERT_KEY_PROV_INFO_PROP_ID`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct KeyLink {
    /// The CSP's or CNG key storage provider's name, NUL-terminated.
    provider: Vec<u16>,
    /// The container's (CNG: the key's) name, NUL-terminated.
    container: Vec<u16>,
    /// The CSP type; 0 for a CNG key storage provider.
    provider_type: u32,
    /// `AT_KEYEXCHANGE`, `AT_SIGNATURE`, or 0 for a CNG key.
    key_spec: u32,
    /// A machine key rather than the user's.
    machine: bool,
}

impl KeyLink {
    /// The same container: by name (as Windows compares them, regardless of case) and scope,
    /// whichever provider names it — when unsure, a container counts as used.
    fn same_container(&self, other: &Self) -> bool {
        self.machine == other.machine
            && String::from_utf16_lossy(&self.container)
                .to_lowercase()
                .eq(&String::from_utf16_lossy(&other.container).to_lowercase())
    }

    /// Deletes the container (CryptoAPI) or key (CNG), without any prompt.
    fn delete(&self) -> Result<(), String> {
        let Some((_, name)) = self
            .container
            .split_last()
            .filter(|(_, name)| !name.is_empty())
        else {
            // An empty name means the default container to CryptoAPI: never that one.
            return Err("a key link without a container name was left".into());
        };
        let name = String::from_utf16_lossy(name);
        if self.provider_type == 0 {
            return self.delete_cng().map_err(|code| {
                format!("the key {name} it wrote could not be deleted: error 0x{code:08X}")
            });
        }
        let mut flags = CRYPT_DELETEKEYSET | CRYPT_SILENT;
        if self.machine {
            flags |= CRYPT_MACHINE_KEYSET;
        }
        let mut unused = 0usize;
        // SAFETY: both names are NUL-terminated and outlive the call; with CRYPT_DELETEKEYSET
        // no handle is returned to release (the value in `unused` is undefined).
        let ok = unsafe {
            CryptAcquireContextW(
                &mut unused,
                self.container.as_ptr(),
                self.provider.as_ptr(),
                self.provider_type,
                flags,
            )
        };
        if ok != 0 {
            return Ok(());
        }
        // SAFETY: no arguments; reads this thread's last error.
        let code = unsafe { GetLastError() };
        Err(format!(
            "the key container {name} it wrote could not be deleted: error 0x{code:08X}"
        ))
    }

    fn delete_cng(&self) -> Result<(), u32> {
        let mut provider = 0usize;
        // SAFETY: the name is NUL-terminated and outlives the call; the handle goes to `provider`.
        let status = unsafe { NCryptOpenStorageProvider(&mut provider, self.provider.as_ptr(), 0) };
        if status != 0 {
            return Err(status as u32);
        }
        let mut flags = NCRYPT_SILENT_FLAG;
        if self.machine {
            flags |= NCRYPT_MACHINE_KEY_FLAG;
        }
        let legacy_spec = if self.key_spec == CERT_NCRYPT_KEY_SPEC {
            0
        } else {
            self.key_spec
        };
        let mut key = 0usize;
        // SAFETY: `provider` is open; the name is NUL-terminated; the handle goes to `key`.
        let mut status = unsafe {
            NCryptOpenKey(
                provider,
                &mut key,
                self.container.as_ptr(),
                legacy_spec,
                flags,
            )
        };
        if status == 0 {
            // SAFETY: `key` is open; on success the call deletes the key and frees the handle.
            status = unsafe { NCryptDeleteKey(key, NCRYPT_SILENT_FLAG) };
            if status != 0 {
                // SAFETY: the delete failed, so the handle is still ours, freed once.
                unsafe { NCryptFreeObject(key) };
            }
        }
        // SAFETY: `provider` is open and freed once.
        unsafe { NCryptFreeObject(provider) };
        if status == 0 {
            Ok(())
        } else {
            Err(status as u32)
        }
    }
}

/// An open certificate store, closed when dropped.
struct OpenStore(HCERTSTORE);

impl OpenStore {
    /// The current user's `MY`.
    fn my(read_only: bool) -> Result<Self, StoreError> {
        Self::system("MY", read_only)
    }

    /// The current user's system store `store` (`MY`, `CA`, `Root`).
    fn system(store: &str, read_only: bool) -> Result<Self, StoreError> {
        let name: Vec<u16> = store.encode_utf16().chain([0]).collect();
        let flags = CERT_SYSTEM_STORE_CURRENT_USER
            | if read_only {
                CERT_STORE_READONLY_FLAG
            } else {
                0
            };
        // SAFETY: the system-store provider reads `pvPara` as a NUL-terminated UTF-16 name;
        // `name` is one and outlives the call.
        let handle =
            unsafe { CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, flags, name.as_ptr().cast()) };
        if handle.is_null() {
            Err(last_error(&format!("CertOpenStore(CurrentUser\\{store})")))
        } else {
            Ok(Self(handle))
        }
    }

    /// An empty store in memory (the tests' stand-in for `MY`).
    #[cfg(test)]
    fn memory() -> Self {
        // SAFETY: the memory provider takes no parameter.
        let handle = unsafe {
            CertOpenStore(
                windows_sys::Win32::Security::Cryptography::CERT_STORE_PROV_MEMORY,
                0,
                0,
                0,
                ptr::null(),
            )
        };
        assert!(!handle.is_null(), "CertOpenStore(memory)");
        Self(handle)
    }

    /// The certificates of a `.p12`, in memory, with their keys already in the user's key store.
    fn pfx(p12: &[u8], password: &str) -> Result<Self, StoreError> {
        let blob = CRYPT_INTEGER_BLOB {
            cbData: u32::try_from(p12.len())
                .map_err(|_| StoreError::new("the .p12 is too large"))?,
            pbData: p12.as_ptr().cast_mut(),
        };
        // The password as Windows takes it, in a buffer sized once (no copy left behind by a
        // reallocation) and wiped when dropped.
        let mut wide = Zeroizing::new(Vec::with_capacity(password.len() + 1));
        wide.extend(password.encode_utf16());
        wide.push(0);
        let attempt = |password: *const u16| {
            // SAFETY: `blob` points into `p12`, alive and unchanged for the call (the function
            // only reads it); `password` is null or the NUL-terminated `wide`.
            unsafe { PFXImportCertStore(&blob, password, IMPORT_FLAGS) }
        };
        let mut handle = attempt(wide.as_ptr());
        // An empty password is written two ways (OpenSSL: an empty string; Java: none at all),
        // and Windows wants the very one the file was made with.
        if handle.is_null() && password.is_empty() {
            handle = attempt(ptr::null());
        }
        if handle.is_null() {
            Err(last_error("PFXImportCertStore"))
        } else {
            Ok(Self(handle))
        }
    }

    /// What the store holds for the certificate with this SHA-256 fingerprint, if anything.
    fn entry_for(&self, fingerprint: &str) -> Option<Existing> {
        let mut found: Option<Existing> = None;
        self.for_each(|context| {
            if !context.is(fingerprint) {
                return;
            }
            let this = if context.has_usable_key() {
                Existing::Usable
            } else if context.key_link().is_some() {
                Existing::Guarded
            } else {
                Existing::Keyless
            };
            found = Some(found.map_or(this, |before| before.best(this)));
        });
        found
    }

    /// The key links of every certificate in the store.
    fn key_links(&self) -> Vec<KeyLink> {
        let mut links = Vec::new();
        self.for_each(|context| links.extend(context.key_link()));
        links
    }

    /// Calls `each` with every certificate in the store, in turn. Each context lives until the
    /// next one is fetched; the enumeration always runs to its end, which frees the last.
    fn for_each(&self, mut each: impl FnMut(Context<'_>)) {
        let mut previous: *const CERT_CONTEXT = ptr::null();
        loop {
            // SAFETY: `self.0` is open; `previous` is null or the context this enumeration
            // returned last, which the call frees.
            let next = unsafe { CertEnumCertificatesInStore(self.0, previous) };
            if next.is_null() {
                return;
            }
            each(Context(next, std::marker::PhantomData));
            previous = next;
        }
    }
}

impl Drop for OpenStore {
    fn drop(&mut self) {
        // SAFETY: the handle came from CertOpenStore or PFXImportCertStore and is closed once.
        // Flags 0: contexts still held elsewhere keep the store alive until they are freed.
        unsafe { CertCloseStore(self.0, 0) };
    }
}

/// A certificate context borrowed from an enumeration, valid while `'a`'s turn lasts.
struct Context<'a>(*const CERT_CONTEXT, std::marker::PhantomData<&'a ()>);

impl Context<'_> {
    /// The certificate, DER.
    fn der(&self) -> &[u8] {
        // SAFETY: a context from CertEnumCertificatesInStore is valid for this turn and holds
        // `cbCertEncoded` bytes at `pbCertEncoded`.
        unsafe {
            let context = &*self.0;
            std::slice::from_raw_parts(context.pbCertEncoded, context.cbCertEncoded as usize)
        }
    }

    /// Whether this is the certificate with this SHA-256 fingerprint (as the core computes it).
    fn is(&self, fingerprint: &str) -> bool {
        read_certificate_file(self.der(), None, None).is_ok_and(|read| {
            read.certificate
                .sha256_fingerprint
                .eq_ignore_ascii_case(fingerprint)
        })
    }

    /// Where its private key is kept, if it is linked to one.
    fn key_link(&self) -> Option<KeyLink> {
        let mut size = 0u32;
        // SAFETY: a null buffer asks only for the size, written to `size`.
        let ok = unsafe {
            CertGetCertificateContextProperty(
                self.0,
                CERT_KEY_PROV_INFO_PROP_ID,
                ptr::null_mut(),
                &mut size,
            )
        };
        if ok == 0 || (size as usize) < size_of::<CRYPT_KEY_PROV_INFO>() {
            return None;
        }
        // A CRYPT_KEY_PROV_INFO followed by the strings it points to: u64s keep it aligned.
        let mut buffer = vec![0u64; (size as usize).div_ceil(8)];
        // SAFETY: `buffer` holds at least `size` bytes, the size the first call asked for.
        let ok = unsafe {
            CertGetCertificateContextProperty(
                self.0,
                CERT_KEY_PROV_INFO_PROP_ID,
                buffer.as_mut_ptr().cast(),
                &mut size,
            )
        };
        if ok == 0 {
            return None;
        }
        // SAFETY: the call wrote a CRYPT_KEY_PROV_INFO at the start of `buffer` (aligned for
        // it), whose string pointers are null or NUL-terminated strings CryptoAPI placed in
        // `buffer`, alive while it is.
        unsafe {
            let info = &*buffer.as_ptr().cast::<CRYPT_KEY_PROV_INFO>();
            Some(KeyLink {
                provider: wide_string(info.pwszProvName),
                container: wide_string(info.pwszContainerName),
                provider_type: info.dwProvType,
                key_spec: info.dwKeySpec,
                machine: info.dwFlags & CRYPT_MACHINE_KEYSET != 0,
            })
        }
    }

    fn has_property(&self, id: u32) -> bool {
        let mut size = 0u32;
        // SAFETY: a null buffer asks only for the size, written to `size`.
        unsafe { CertGetCertificateContextProperty(self.0, id, ptr::null_mut(), &mut size) != 0 }
    }

    fn set_friendly_name(&self, label: &str) -> bool {
        let name: Vec<u16> = label.encode_utf16().chain([0]).collect();
        let blob = CRYPT_INTEGER_BLOB {
            cbData: u32::try_from(name.len() * 2).unwrap_or(0),
            pbData: name.as_ptr().cast_mut().cast(),
        };
        // SAFETY: the property is copied from `blob`, which points into `name` (alive for the
        // call, NUL-terminated as CERT_FRIENDLY_NAME_PROP_ID wants).
        unsafe {
            CertSetCertificateContextProperty(
                self.0,
                CERT_FRIENDLY_NAME_PROP_ID,
                0,
                ptr::from_ref(&blob).cast(),
            ) != 0
        }
    }

    /// Whether the private key opens silently and matches the certificate; the handle is
    /// released at once as the documentation says (CNG key or CryptoAPI provider).
    fn has_usable_key(&self) -> bool {
        let mut key = 0usize;
        let mut key_spec = 0u32;
        let mut caller_frees = 0;
        // SAFETY: the out-pointers are locals; pvParameters is null as the flags require.
        let ok = unsafe {
            CryptAcquireCertificatePrivateKey(
                self.0,
                ACQUIRE_FLAGS,
                ptr::null(),
                &mut key,
                &mut key_spec,
                &mut caller_frees,
            )
        };
        if ok == 0 {
            return false;
        }
        if caller_frees != 0 {
            if key_spec == CERT_NCRYPT_KEY_SPEC {
                // SAFETY: a CNG key handle this call owns, freed once.
                unsafe { NCryptFreeObject(key) };
            } else {
                // SAFETY: a CryptoAPI provider handle this call owns, released once.
                unsafe { CryptReleaseContext(key, 0) };
            }
        }
        true
    }
}

/// A NUL-terminated UTF-16 string copied, its NUL included; an empty one for null.
///
/// # Safety
/// `text` is null or points to a NUL-terminated UTF-16 string, alive for the call.
unsafe fn wide_string(text: *const u16) -> Vec<u16> {
    if text.is_null() {
        return vec![0];
    }
    let mut length = 0;
    // SAFETY: the caller's promise: every unit up to the NUL is readable.
    while unsafe { *text.add(length) } != 0 {
        length += 1;
    }
    // SAFETY: the `length` units before the NUL were just read, and the NUL after them.
    unsafe { std::slice::from_raw_parts(text, length + 1) }.to_vec()
}

/// What failed, with Windows' error code for the log.
fn last_error(what: &str) -> StoreError {
    // SAFETY: no arguments; reads this thread's last error.
    let code = unsafe { GetLastError() };
    StoreError::new(format!("{what}: error 0x{code:08X}"))
}

// Run under Wine by tests/windows/companion.wine.mjs (cross-built; Wine needs its ProcessPrng
// stand-in beside the .exe). `MY` is a store in memory here; the keys are the user's real key
// store, where each test deletes what it wrote.
#[cfg(test)]
mod tests {
    use windows_sys::Win32::Security::Cryptography::{
        CRYPT_FIRST, CRYPT_VERIFYCONTEXT, CertAddEncodedCertificateToStore, CryptGetProvParam,
        MS_ENHANCED_PROV_W, PP_ENUMCONTAINERS, PROV_RSA_FULL, X509_ASN_ENCODING,
    };

    use super::*;

    const P12: &[u8] = include_bytes!("../../../tests/fixtures/openssl-legacy.p12");
    const LEAF: &[u8] = include_bytes!("../../../tests/fixtures/client3948.der");
    const PASS: &str = "orca-test-pass";
    const FINGERPRINT: &str = "C95C4B9DB2B155BEE558736FEB875F16761B037DCF03A20CCFD7B252A6DB9FE0";

    /// The user's CryptoAPI key containers (the provider `PFXImportCertStore` picks for RSA).
    fn containers() -> Vec<String> {
        let mut provider = 0usize;
        // SAFETY: a verify context names no container; the handle goes to `provider`.
        let ok = unsafe {
            CryptAcquireContextW(
                &mut provider,
                ptr::null(),
                MS_ENHANCED_PROV_W,
                PROV_RSA_FULL,
                CRYPT_VERIFYCONTEXT,
            )
        };
        assert_ne!(ok, 0, "CryptAcquireContextW(VERIFYCONTEXT)");
        let mut names = Vec::new();
        let mut flags = CRYPT_FIRST;
        loop {
            let mut name = [0u8; 1024];
            let mut size = name.len() as u32;
            // SAFETY: `provider` is open; `name` holds `size` bytes.
            let ok = unsafe {
                CryptGetProvParam(
                    provider,
                    PP_ENUMCONTAINERS,
                    name.as_mut_ptr(),
                    &mut size,
                    flags,
                )
            };
            if ok == 0 {
                break;
            }
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            names.push(String::from_utf8_lossy(&name[..end]).into_owned());
            flags = 0;
        }
        // SAFETY: the handle acquired above, released once.
        unsafe { CryptReleaseContext(provider, 0) };
        names.sort();
        names
    }

    fn add_encoded(store: &OpenStore, der: &[u8]) {
        // SAFETY: `store.0` is open; `der` is read for the call only.
        let ok = unsafe {
            CertAddEncodedCertificateToStore(
                store.0,
                X509_ASN_ENCODING,
                der.as_ptr(),
                der.len() as u32,
                CERT_STORE_ADD_NEW,
                ptr::null_mut(),
            )
        };
        assert_ne!(ok, 0, "CertAddEncodedCertificateToStore");
    }

    fn entries(store: &OpenStore) -> Vec<(Vec<u8>, Option<KeyLink>)> {
        let mut found = Vec::new();
        store.for_each(|context| found.push((context.der().to_vec(), context.key_link())));
        found
    }

    #[test]
    fn a_failed_add_leaves_no_key_container_it_wrote_and_the_entry_as_it_was() {
        let before = containers();
        let my = OpenStore::memory();
        // The certificate is there already, as one added between the check and the add would
        // be: the add fails (CRYPT_E_EXISTS) after the import wrote the key.
        add_encoded(&my, LEAF);
        let entries_before = entries(&my);
        let err = import_new(&my, P12, PASS, FINGERPRINT, "client3948").unwrap_err();
        assert!(err.detail.contains("meanwhile"), "{}", err.detail);
        assert_eq!(
            entries(&my),
            entries_before,
            "the entry as it was, no key link added"
        );
        assert_eq!(containers(), before, "no key container left behind");
    }

    #[test]
    fn an_import_keeps_the_key_its_entry_uses_and_never_one_an_entry_links_to() {
        let before = containers();
        let my = OpenStore::memory();
        import_new(&my, P12, PASS, FINGERPRINT, "client3948").expect("imported");
        let links = my.key_links();
        assert_eq!(links.len(), 1, "one entry, with its key");
        assert!(my.entry_for(FINGERPRINT) == Some(Existing::Usable));
        let with_key = containers();
        assert_eq!(
            with_key.len(),
            before.len() + 1,
            "its key kept: {with_key:?}"
        );
        // A container an entry links to stays, whoever asks.
        assert!(forget_unused(&links, &my).is_empty());
        assert_eq!(containers(), with_key);
        // No entry uses it any more: deleted (and the test leaves the key store as it found it).
        assert!(forget_unused(&links, &OpenStore::memory()).is_empty());
        assert_eq!(containers(), before);
    }

    #[test]
    fn an_entry_already_there_decides_before_any_key_is_written() {
        let before = containers();
        let my = OpenStore::memory();
        add_encoded(&my, LEAF);
        let err = import_into(&my, P12, PASS, "client3948").unwrap_err();
        assert_eq!(err.code, Code::CompanionStoreFailed);
        assert_eq!(containers(), before);
        assert_eq!(my.entry_for(FINGERPRINT), Some(Existing::Keyless));
        let protected = Existing::Guarded.refusal().expect("refused");
        assert_eq!(protected.code, Code::CompanionKeyProtected);
        assert!(Existing::Usable.refusal().is_none());
        assert_eq!(Existing::Keyless.best(Existing::Guarded), Existing::Guarded);
        assert_eq!(Existing::Guarded.best(Existing::Usable), Existing::Usable);
    }
}
