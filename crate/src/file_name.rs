//! ORCA-style certificate file names: `<serial>__JP_u<8 digits>_client<digits>.p12`
//! (`103867__JP_u00001294_client3948.p12`; the user guide writes one underscore).
//! The parts are the issuing serial, the tenant (subject O) and the terminal (subject CN).

use serde::Serialize;

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
}

/// Decodes `name` (a bare name or a path, as browsers give `C:\fakepath\…`), if ORCA-style.
pub fn parse(name: &str) -> Option<OrcaFileName> {
    let base = name.rsplit(['/', '\\']).next()?;
    let (stem, extension) = base.rsplit_once('.')?;
    let (serial, rest) = stem.split_once("_JP_")?;
    let serial = serial.strip_suffix('_').unwrap_or(serial);
    let (tenant, common_name) = rest.split_once('_')?;
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
    })
}

/// Whether a subject CN is one the ORCA clients renew automatically: `client` + digits.
pub fn is_renewable_client(common_name: &str) -> bool {
    common_name
        .strip_prefix("client")
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
