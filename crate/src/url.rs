//! The few URL facts the core needs — an `https:` origin, an endpoint, a host — in one place.
//! Written out because the `url` crate would add its IDNA tables (~100 KB of Wasm) for host
//! names that are plain ASCII here.

/// An `https:` URL's host (lower-cased) and its port when not 443.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HttpsAuthority {
    /// A DNS name or IPv4 address, lower-cased.
    pub host: String,
    /// The port, `None` for 443.
    pub port: Option<u16>,
}

impl HttpsAuthority {
    /// `host[:port]`, as an administrator lists a host.
    pub(crate) fn host_port(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    /// `https://host[:port]`.
    pub(crate) fn origin(&self) -> String {
        format!("https://{}", self.host_port())
    }
}

/// The authority of an `https:` URL; `None` for any other scheme, for user info (`a@b`),
/// or for a host that is not a DNS name or IPv4 address.
pub(crate) fn https_authority(url: &str) -> Option<HttpsAuthority> {
    let rest = strip_https(url.trim())?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let (host, port) = split_port(authority)?;
    Some(HttpsAuthority {
        host,
        port: port.filter(|p| *p != 443),
    })
}

/// `https://Host:443/` → `https://host`; `None` unless it is an https origin.
pub(crate) fn normalize_origin(origin: &str) -> Option<String> {
    let rest = strip_https(origin.trim())?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    https_authority(origin).map(|a| a.origin())
}

/// An `https:` endpoint with its host lower-cased and port 443 dropped; `None` if it has
/// user info or white space.
pub(crate) fn normalize_https_url(url: &str) -> Option<String> {
    let rest = strip_https(url)?;
    let path = rest.get(rest.find(['/', '?', '#']).unwrap_or(rest.len())..)?;
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    Some(format!("{}{path}", https_authority(url)?.origin()))
}

/// `host` or `host:port`, checked and lower-cased (a host the administrator lists).
pub(crate) fn normalize_host(host: &str) -> Option<String> {
    let (host, port) = split_port(host.trim())?;
    let port = port.filter(|p| *p != 443);
    Some(HttpsAuthority { host, port }.host_port())
}

/// Whether `host` is `domain` or one of its sub-domains (`a.orcamo.jp` in `orcamo.jp`).
pub(crate) fn is_within(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

fn strip_https(s: &str) -> Option<&str> {
    let scheme = s.get(..8)?;
    scheme
        .eq_ignore_ascii_case("https://")
        .then(|| s.get(8..))
        .flatten()
}

/// Splits `host[:port]`, checking the host is a DNS name or IPv4 address.
fn split_port(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port.parse::<u16>().ok().filter(|p| *p > 0)?)),
        None => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    (host.len() <= 253 && host.split('.').all(label_ok)).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_are_read_only_from_plain_https_urls() {
        let a = https_authority("https://Auth.CMO.orcamo.jp:443/api/cert").expect("https");
        assert_eq!((a.host.as_str(), a.port), ("auth.cmo.orcamo.jp", None));
        assert_eq!(
            https_authority("https://weborca.test:8443/x").map(|a| a.origin()),
            Some("https://weborca.test:8443".into())
        );
        for bad in [
            "http://auth.cmo.orcamo.jp/x",
            "https://auth.cmo.orcamo.jp@evil.example/x",
            "https://exa mple.jp/",
            "https:///x",
            "javascript:alert(1)",
        ] {
            assert_eq!(https_authority(bad), None, "{bad}");
        }
    }

    #[test]
    fn domains_contain_their_sub_domains_only() {
        assert!(is_within("files.cmo.orcamo.jp", "orcamo.jp"));
        assert!(is_within("orcamo.jp", "orcamo.jp"));
        assert!(!is_within("evilorcamo.jp", "orcamo.jp"));
        assert!(!is_within("orcamo.jp.evil.example", "orcamo.jp"));
    }

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(
            normalize_host(" Files.Example.JP "),
            Some("files.example.jp".into())
        );
        assert_eq!(
            normalize_host("files.example.jp:443"),
            Some("files.example.jp".into())
        );
        assert_eq!(
            normalize_host("files.example.jp:8443"),
            Some("files.example.jp:8443".into())
        );
        assert_eq!(normalize_host("https://files.example.jp"), None);
        assert_eq!(normalize_host(""), None);
    }
}
