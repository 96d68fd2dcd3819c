//! Bytes → what they are, judged by the bytes and never by the file name: PEM text with one
//! or more certificates, a DER certificate, or a PKCS#12 file (DER or BER).

use crate::error::{Error, Result};
use crate::pkcs12::looks_like_pfx;

/// Certificate files are a few kilobytes; anything this large is not one.
pub(crate) const MAX_INPUT_LEN: usize = 1 << 20;

/// The kinds of certificate file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Input<'a> {
    /// One or more DER certificates (from PEM blocks or a single DER file).
    Certificates {
        /// DER of each certificate, in file order.
        ders: Vec<Vec<u8>>,
        /// Whether they came from PEM text.
        pem: bool,
    },
    /// A PKCS#12 file, still to be opened with its password.
    Pkcs12(&'a [u8]),
}

/// Tells what `bytes` hold.
pub(crate) fn classify(bytes: &[u8]) -> Result<Input<'_>> {
    if bytes.len() > MAX_INPUT_LEN {
        return Err(Error::TooLarge {
            len: bytes.len(),
            max: MAX_INPUT_LEN,
        });
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let text = text.get(start..).unwrap_or_default();
    if text.starts_with(b"-----BEGIN ") || find(text, b"\n-----BEGIN ").is_some() {
        return pem_certificates(text);
    }
    match text.first() {
        // An indefinite length is BER, which only PKCS#12 writers (NSS, Java) produce.
        Some(0x30) if looks_like_pfx(text) || text.get(1) == Some(&0x80) => Ok(Input::Pkcs12(text)),
        Some(0x30) => Ok(Input::Certificates {
            ders: vec![text.to_vec()],
            pem: false,
        }),
        _ => Err(Error::NotCertificateOrPkcs12),
    }
}

/// Every `CERTIFICATE` block of a PEM file (RFC 7468). Other blocks (keys, text such as
/// OpenSSL's "Bag Attributes") are skipped; a block cut short is an error.
fn pem_certificates(text: &[u8]) -> Result<Input<'_>> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let mut ders = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(begin) = find(rest, BEGIN) {
        let block = rest.get(begin..).unwrap_or_default();
        let Some(end) = find(block, END) else {
            return Err(Error::Truncated {
                position: offset + begin,
            });
        };
        // The END line runs to its closing dashes.
        let after_end = block.get(end + END.len()..).unwrap_or_default();
        let Some(close) = find(after_end, b"-----") else {
            return Err(Error::Truncated {
                position: offset + begin,
            });
        };
        let block_len = end + END.len() + close + 5;
        let block = block.get(..block_len).unwrap_or_default();
        let (label, der) = der::pem::decode_vec(block).map_err(|_| Error::Malformed {
            position: offset + begin,
            context: "PEM block",
        })?;
        match label {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => ders.push(der),
            "PKCS12" => {
                return Err(Error::Malformed {
                    position: offset + begin,
                    context: "PEM-wrapped PKCS#12 (save it as a binary .p12)",
                });
            }
            _ => {}
        }
        let consumed = begin + block_len;
        rest = rest.get(consumed..).unwrap_or_default();
        offset += consumed;
    }
    if ders.is_empty() {
        return Err(Error::NoCertificate);
    }
    Ok(Input::Certificates { ders, pem: true })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_certificate_file() {
        assert_eq!(classify(b""), Err(Error::NotCertificateOrPkcs12));
        assert_eq!(classify(b"hello"), Err(Error::NotCertificateOrPkcs12));
        assert_eq!(
            classify(&[0x02, 0x01, 0x03]),
            Err(Error::NotCertificateOrPkcs12)
        );
        let huge = vec![0x30; MAX_INPUT_LEN + 1];
        assert_eq!(
            classify(&huge),
            Err(Error::TooLarge {
                len: MAX_INPUT_LEN + 1,
                max: MAX_INPUT_LEN
            })
        );
    }

    #[test]
    fn pem_without_certificates_says_so() {
        let key_only = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(classify(key_only), Err(Error::NoCertificate));
        let cut = b"-----BEGIN CERTIFICATE-----\nMIIB";
        assert!(matches!(classify(cut), Err(Error::Truncated { .. })));
    }

    #[test]
    fn pfx_and_certificate_are_told_apart_by_their_bytes() {
        assert!(matches!(
            classify(&[0x30, 0x80, 0x02, 0x01, 0x03]),
            Ok(Input::Pkcs12(_))
        ));
        assert!(matches!(
            classify(&[0x30, 0x82, 0x01, 0x00, 0x30, 0x82]),
            Ok(Input::Certificates { pem: false, .. })
        ));
    }
}
