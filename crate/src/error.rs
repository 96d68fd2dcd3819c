//! The one error type of the core. Each kind says what was wrong with which value, so the
//! extension can turn its `code` into a plain Japanese sentence without guessing.

use core::fmt;

use const_oid::ObjectIdentifier;

/// Result with the core's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// Everything that can go wrong while reading a certificate file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The file is larger than any certificate file could be.
    TooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The largest size accepted.
        max: usize,
    },
    /// The bytes are neither a certificate (DER/PEM) nor a PKCS#12 file.
    NotCertificateOrPkcs12,
    /// The file ends before its structure does.
    Truncated {
        /// Where the reader was when the data ran out (0 when unknown).
        position: usize,
    },
    /// The structure is broken at a byte position, or a field has an invalid value.
    Malformed {
        /// Byte offset of the fault within the part being read (0 when unknown).
        position: usize,
        /// What was being read.
        context: &'static str,
    },
    /// The password does not open the file (MAC mismatch or bad padding).
    WrongPassword,
    /// The file uses an algorithm this reader does not implement.
    UnsupportedAlgorithm {
        /// The algorithm's object identifier.
        oid: ObjectIdentifier,
    },
    /// A key derivation asks for more iterations than the cap allows (hostile or broken file).
    IterationsTooHigh {
        /// Iteration count in the file.
        count: u64,
        /// The cap.
        max: u64,
    },
    /// Opening the file would cost more work than any real certificate file needs (all its
    /// key derivations together): a hostile or broken file, refused before the work is done.
    TooMuchWork {
        /// The budget, in hash compressions.
        max: u64,
    },
    /// The file holds more parts of one kind than a certificate file has.
    TooManyParts {
        /// Which parts (`"bags"`, `"certificates"`, `"keys"`, `"encrypted parts"`).
        what: &'static str,
        /// The cap.
        max: usize,
    },
    /// The file holds no certificate.
    NoCertificate,
    /// The private key in the file belongs to none of its certificates.
    KeyMismatch,
}

/// Each kind's stable code, written once: `code()` matches every kind (no wildcard, so a new
/// kind does not compile without its code) and `CODES` lists them for the message contract.
macro_rules! error_codes {
    ($($kind:ident => $code:literal,)*) => {
        impl Error {
            /// Every code [`Error::code`] can return (the extension must word each one).
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// A stable, machine-readable code: the extension maps it to a localized message.
            pub fn code(&self) -> &'static str {
                match self {
                    $(Self::$kind { .. } => $code,)*
                }
            }
        }
    };
}

error_codes! {
    TooLarge => "too_large",
    NotCertificateOrPkcs12 => "not_certificate",
    Truncated => "truncated",
    Malformed => "malformed",
    WrongPassword => "wrong_password",
    UnsupportedAlgorithm => "unsupported_algorithm",
    IterationsTooHigh => "iterations_too_high",
    TooMuchWork => "too_much_work",
    TooManyParts => "too_many_parts",
    NoCertificate => "no_certificate",
    KeyMismatch => "key_mismatch",
}

impl Error {
    /// Converts a `der` decoding error met while reading `context`.
    pub(crate) fn from_der(err: &der::Error, context: &'static str) -> Self {
        let position = err
            .position()
            .map(|p| usize::try_from(p).unwrap_or(0))
            .unwrap_or(0);
        match err.kind() {
            der::ErrorKind::Incomplete { .. } => Self::Truncated { position },
            _ => Self::Malformed { position, context },
        }
    }

    /// A closure for `map_err` that keeps the `der` error's position.
    pub(crate) fn der(context: &'static str) -> impl Fn(der::Error) -> Self {
        move |err| Self::from_der(&err, context)
    }
}

/// Reads one DER value of type `T`, naming `context` in errors.
pub(crate) fn decode<'a, T: der::Decode<'a, Error = der::Error>>(
    bytes: &'a [u8],
    context: &'static str,
) -> Result<T> {
    T::from_der(bytes).map_err(Error::der(context))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { len, max } => {
                write!(f, "file of {len} bytes is over the {max}-byte limit")
            }
            Self::NotCertificateOrPkcs12 => f.write_str("not a certificate or PKCS#12 file"),
            Self::Truncated { position } => write!(f, "file is truncated (at byte {position})"),
            Self::Malformed { position, context } => {
                write!(f, "malformed {context} at byte {position}")
            }
            Self::WrongPassword => f.write_str("wrong password"),
            Self::UnsupportedAlgorithm { oid } => write!(f, "unsupported algorithm {oid}"),
            Self::IterationsTooHigh { count, max } => {
                write!(
                    f,
                    "{count} key-derivation iterations exceed the cap of {max}"
                )
            }
            Self::TooMuchWork { max } => {
                write!(
                    f,
                    "opening the file needs more than {max} hash compressions"
                )
            }
            Self::TooManyParts { what, max } => write!(f, "the file holds more than {max} {what}"),
            Self::NoCertificate => f.write_str("the file holds no certificate"),
            Self::KeyMismatch => f.write_str("the private key matches none of the certificates"),
        }
    }
}

impl core::error::Error for Error {}
