//! Windows: the current user's personal store (`MY`, "Personal" in certmgr), where Chrome and
//! Edge look for client certificates, through CryptoAPI (crypt32). A `.p12` is opened by
//! `PFXImportCertStore`, which keeps the private key in the user's key store, and its
//! certificate with a key is added to `MY`. Keys are imported not exportable, as the Windows
//! import wizard does by default; no certificate is ever removed.
// The only unsafe code of the crate: CryptoAPI has no safe binding. Each block says why it holds.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ptr;

use windows_sys::Win32::Foundation::GetLastError;
use windows_sys::Win32::Security::Cryptography::{
    CERT_CONTEXT, CERT_FRIENDLY_NAME_PROP_ID, CERT_KEY_PROV_INFO_PROP_ID, CERT_NCRYPT_KEY_SPEC,
    CERT_STORE_ADD_REPLACE_EXISTING, CERT_STORE_PROV_SYSTEM_W, CERT_STORE_READONLY_FLAG,
    CERT_SYSTEM_STORE_CURRENT_USER, CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG,
    CRYPT_ACQUIRE_COMPARE_KEY_FLAG, CRYPT_ACQUIRE_SILENT_FLAG, CRYPT_INTEGER_BLOB,
    CRYPT_USER_KEYSET, CertAddCertificateContextToStore, CertCloseStore,
    CertEnumCertificatesInStore, CertGetCertificateContextProperty, CertOpenStore,
    CertSetCertificateContextProperty, CryptAcquireCertificatePrivateKey, CryptReleaseContext,
    HCERTSTORE, NCryptFreeObject, PFXImportCertStore,
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
/// (a key container of the same name may belong to another certificate) and the CNG
/// preferences (Windows picks CNG itself for EC keys; Chrome reads both).
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
        let pfx = OpenStore::pfx(p12, password)?;
        let my = OpenStore::my(false)?;
        let mut added = 0usize;
        let mut failure = None;
        pfx.for_each(|context| {
            // Only what has a key belongs in `MY`; CA certificates in the file are left out
            // (the companion never changes what the computer trusts).
            if failure.is_some() || !context.has_property(CERT_KEY_PROV_INFO_PROP_ID) {
                return;
            }
            if !context.has_property(CERT_FRIENDLY_NAME_PROP_ID) {
                // A missing name is only a nicer label in certmgr: not worth failing for.
                let _ = context.set_friendly_name(label);
            }
            // The request layer imports only when this certificate is not in MY with a usable
            // key, so an entry already there is the same certificate without one (from a .crt,
            // or its key gone): REPLACE_EXISTING puts the one with its key in its place, one
            // entry, no certificate fewer. Not USE_EXISTING or the INHERIT variants: they merge
            // the old entry's properties, and which key link wins is not documented.
            // SAFETY: `my.0` is an open store and `context.0` a live context of `pfx`.
            let ok = unsafe {
                CertAddCertificateContextToStore(
                    my.0,
                    context.0,
                    CERT_STORE_ADD_REPLACE_EXISTING,
                    ptr::null_mut(),
                )
            };
            if ok == 0 {
                failure = Some(last_error("CertAddCertificateContextToStore"));
            } else {
                added += 1;
            }
        });
        match failure {
            Some(err) => Err(err),
            None if added == 0 => Err(StoreError::new(
                "the file has no certificate with a private key",
            )),
            None => Ok(()),
        }
    }
}

/// An open certificate store, closed when dropped.
struct OpenStore(HCERTSTORE);

impl OpenStore {
    /// The current user's `MY`.
    fn my(read_only: bool) -> Result<Self, StoreError> {
        let name: Vec<u16> = "MY".encode_utf16().chain([0]).collect();
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
            Err(last_error("CertOpenStore(CurrentUser\\MY)"))
        } else {
            Ok(Self(handle))
        }
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

/// What failed, with Windows' error code for the log.
fn last_error(what: &str) -> StoreError {
    // SAFETY: no arguments; reads this thread's last error.
    let code = unsafe { GetLastError() };
    StoreError::new(format!("{what}: error 0x{code:08X}"))
}
