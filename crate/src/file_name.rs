//! ORCA-style certificate file names: `<serial>__JP_u<8 digits>_client<digits>.p12`
//! (`103867__JP_u00001294_client3948.p12`; the user guide writes one underscore).
//! The parts are the issuing serial, the tenant (subject O) and the terminal (subject CN).
//! The files this extension saves after a renewal are named the same way, dated:
//! `<serial>__JP_<O>_<CN>_<yyyymmdd>.p12`, so [`parse`] reads them back.

use serde::{Deserialize, Serialize};

use crate::certificate::CertificateInfo;
use crate::jst::jst_date_digits;

/// The fields of an ORCA-style file name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrcaFileName {
    /// The leading number (the issuer's serial for the file).
    pub serial: String,
    /// The tenant, `u` + 8 digits: the certificate's subject O.
    pub tenant: String,
    /// The terminal, `client` + digits: the certificate's subject CN.
    pub common_name: String,
    /// The extension, lower case (`p12`, `crt`…).
    pub extension: String,
    /// The JST date this extension saved the file (`yyyymmdd`), for its own renewed files.
    pub saved_on: Option<String>,
}

/// Decodes `name` (a bare name or a path, as browsers give `C:\fakepath\…`), if ORCA-style.
pub(crate) fn parse(name: &str) -> Option<OrcaFileName> {
    let base = name.rsplit(['/', '\\']).next()?;
    let (stem, extension) = base.rsplit_once('.')?;
    let (serial, rest) = stem.split_once("_JP_")?;
    let serial = serial.strip_suffix('_').unwrap_or(serial);
    let (tenant, common_name) = rest.split_once('_')?;
    let (common_name, saved_on) = match common_name.rsplit_once('_') {
        Some((cn, date)) if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) => {
            (cn, Some(date.to_owned()))
        }
        _ => (common_name, None),
    };
    let tenant_digits = tenant.strip_prefix('u')?;
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !is_digits(serial)
        || tenant_digits.len() != 8
        || !is_digits(tenant_digits)
        || !is_renewable_client(common_name)
    {
        return None;
    }
    Some(OrcaFileName {
        serial: serial.to_owned(),
        tenant: tenant.to_owned(),
        common_name: common_name.to_owned(),
        extension: extension.to_ascii_lowercase(),
        saved_on,
    })
}

/// The names a renewed certificate and its password are saved under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedNames {
    /// The PKCS#12 file: `<serial>__JP_<O>_<CN>_<yyyymmdd>.p12`.
    pub p12: String,
    /// The text file with its password: the same stem, `_password.txt`.
    pub password: String,
}

/// The names for `renewed`, saved on `now` (ms): ORCA-style, with the decimal serial and the
/// JST date. Characters a file system may refuse become `_`.
pub fn renewed_names(renewed: &CertificateInfo, now: i64) -> SavedNames {
    let safe = |s: Option<&str>, fallback: &str| -> String {
        s.unwrap_or(fallback)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let stem = format!(
        "{}__JP_{}_{}_{}",
        decimal(&renewed.serial),
        safe(renewed.organization.as_deref(), "tenant"),
        safe(renewed.common_name.as_deref(), "client"),
        jst_date_digits(now),
    );
    SavedNames {
        p12: format!("{stem}.p12"),
        password: format!("{stem}_password.txt"),
    }
}

/// The names a held certificate is exported under: `HELD_` before the renewed names, so nobody
/// imports it for a renewal by mistake, and never a name of the current certificate (a file
/// that could not be read is `HELD_unread_<yyyymmdd>`).
pub(crate) fn held_names(received: Option<&CertificateInfo>, now: i64) -> SavedNames {
    match received {
        Some(certificate) => {
            let names = renewed_names(certificate, now);
            SavedNames {
                p12: format!("HELD_{}", names.p12),
                password: format!("HELD_{}", names.password),
            }
        }
        None => {
            let stem = format!("HELD_unread_{}", jst_date_digits(now));
            SavedNames {
                p12: format!("{stem}.p12"),
                password: format!("{stem}_password.txt"),
            }
        }
    }
}

/// A hex serial in decimal, as ORCA file names write it (schoolbook division: serials are at
/// most 20 bytes, no big-number crate needed). `0` for anything that is not hex.
fn decimal(hex: &str) -> String {
    let mut digits: Vec<u8> = Vec::new(); // little-endian base 10
    for c in hex.chars() {
        let Some(nibble) = c.to_digit(16) else {
            return "0".to_owned();
        };
        let mut carry = nibble;
        for digit in &mut digits {
            let value = u32::from(*digit) * 16 + carry;
            *digit = (value % 10) as u8;
            carry = value / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    if digits.is_empty() {
        return "0".to_owned();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

/// Whether a subject CN is one the ORCA clients renew automatically: `client` + digits.
pub(crate) fn is_renewable_client(common_name: &str) -> bool {
    common_name
        .strip_prefix("client")
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate with only what file names are made of: its CN, O and serial.
    fn certificate(
        common_name: Option<&str>,
        organization: Option<&str>,
        serial: &str,
    ) -> CertificateInfo {
        CertificateInfo {
            subject: String::new(),
            common_name: common_name.map(Into::into),
            organization: organization.map(Into::into),
            issuer: "CN=CA".into(),
            serial: serial.into(),
            not_before: 0,
            not_after: 0,
            sha256_fingerprint: "00".into(),
            key_algorithm: "RSA 2048".into(),
            authority_key_id: None,
            subject_key_id: None,
            issuer_key: None,
        }
    }

    #[test]
    fn decodes_the_names_seen_in_public() {
        let name = parse("103867__JP_u00001294_client3948.p12").expect("ORCA name");
        assert_eq!(name.serial, "103867");
        assert_eq!(name.tenant, "u00001294");
        assert_eq!(name.common_name, "client3948");
        assert_eq!(name.extension, "p12");
        let name = parse(r"C:\fakepath\002739_JP_u00000218_client1349.CRT").expect("seed form");
        assert_eq!(
            (name.serial.as_str(), name.extension.as_str()),
            ("002739", "crt")
        );
    }

    #[test]
    fn renewed_files_are_named_orca_style_and_read_back() {
        let info = certificate(Some("client3948"), Some("u00001294"), "195BB");
        // 2026-11-24 20:00 UTC is already the 25th in Japan.
        let names = renewed_names(&info, 1_795_550_400_000);
        assert_eq!(names.p12, "103867__JP_u00001294_client3948_20261125.p12");
        assert_eq!(
            names.password,
            "103867__JP_u00001294_client3948_20261125_password.txt"
        );
        let back = parse(&names.p12).expect("read back");
        assert_eq!(
            (
                back.serial.as_str(),
                back.tenant.as_str(),
                back.common_name.as_str()
            ),
            ("103867", "u00001294", "client3948")
        );
        assert_eq!(back.saved_on.as_deref(), Some("20261125"));
        assert_eq!(decimal("FFFFFFFFFFFFFFFFFFFF"), "1208925819614629174706175");
        assert_eq!(decimal("0"), "0");
        assert_eq!(decimal("xyz"), "0");
    }

    #[test]
    fn a_hostile_or_missing_subject_gives_one_plain_file_name() {
        let plain = |name: &str| {
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        };
        let hostile = [
            (Some("../../..\\evil"), Some("受付/x")),
            (Some("client1\u{202E}gnp.exe"), Some("C:\\Windows")),
            (Some("NUL:CON*?\"<>|\u{0}\n"), Some("u0001 \u{200B}")),
            (None, None),
        ];
        for (common_name, organization) in hostile {
            let names = renewed_names(&certificate(common_name, organization, "0A"), 0);
            for name in [&names.p12, &names.password] {
                assert!(plain(name), "{name}");
                // The only dot is the extension's: no `..`, no second extension.
                assert_eq!(name.matches('.').count(), 1, "{name}");
            }
        }
        let missing = renewed_names(&certificate(None, None, "0A"), 0);
        assert_eq!(missing.p12, "10__JP_tenant_client_19700101.p12");
    }

    #[test]
    fn refuses_other_names() {
        for name in [
            "client3948.p12",
            "103867__JP_u0001294_client3948.p12",
            "103867__JP_u00001294_admin.p12",
            "x__JP_u00001294_client3948.p12",
            "103867__JP_u00001294_client.p12",
            "",
        ] {
            assert_eq!(parse(name), None, "{name}");
        }
    }

    #[test]
    fn renewable_common_names() {
        assert!(is_renewable_client("client3948"));
        assert!(!is_renewable_client("client"));
        assert!(!is_renewable_client("Client3948"));
        assert!(!is_renewable_client("client39a"));
        assert!(!is_renewable_client("tenant-admin"));
    }
}
