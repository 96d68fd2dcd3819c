//! The byte forms one password takes inside a PKCS#12 file.
//!
//! RFC 7292 Appendix B.1: the PKCS#12 KDF (MACs, `pbeWithSHAAnd…` ciphers) takes the password
//! as a BMPString (UTF-16BE) followed by two zero bytes. RFC 8018 (PBES2) and RFC 9579
//! (PBMAC1) take the UTF-8 bytes. An empty password has two PKCS#12 forms in the wild: OpenSSL
//! and NSS write `00 00`, Java and some Windows versions write zero bytes.

use zeroize::Zeroizing;

/// A password in every encoding a reader may need; wiped from memory when dropped.
pub(super) struct Password {
    utf8: Zeroizing<Vec<u8>>,
    bmp_forms: Vec<Zeroizing<Vec<u8>>>,
}

impl Password {
    /// Prepares `password` (as typed by the user) for every scheme.
    pub(super) fn new(password: &str) -> Self {
        let mut bmp = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
        for unit in password.encode_utf16() {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        bmp.extend_from_slice(&[0, 0]);
        let mut bmp_forms = vec![bmp];
        if password.is_empty() {
            bmp_forms.push(Zeroizing::new(Vec::new()));
        }
        Self {
            utf8: Zeroizing::new(password.as_bytes().to_vec()),
            bmp_forms,
        }
    }

    /// UTF-8 bytes, for PBES2 and PBMAC1.
    pub(super) fn utf8(&self) -> &[u8] {
        &self.utf8
    }

    /// The PKCS#12 KDF forms to try, most common first.
    pub(super) fn bmp_forms(&self) -> impl Iterator<Item = &[u8]> {
        self.bmp_forms.iter().map(|form| form.as_slice())
    }

    /// Keeps only the PKCS#12 form the MAC proved right, so decryption does not guess.
    pub(super) fn settle_bmp_form(&mut self, index: usize) {
        if index < self.bmp_forms.len() {
            let chosen = self.bmp_forms.swap_remove(index);
            self.bmp_forms = vec![chosen];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_form_is_utf16be_with_terminator() {
        let password = Password::new("aパ");
        let forms: Vec<&[u8]> = password.bmp_forms().collect();
        assert_eq!(forms, vec![&[0x00, 0x61, 0x30, 0xd1, 0x00, 0x00][..]]);
        assert_eq!(password.utf8(), "aパ".as_bytes());
    }

    #[test]
    fn empty_password_has_both_forms() {
        let password = Password::new("");
        let forms: Vec<&[u8]> = password.bmp_forms().collect();
        assert_eq!(forms, vec![&[0u8, 0][..], &[][..]]);
    }
}
