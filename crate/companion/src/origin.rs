//! Who may talk to the companion. Chrome starts it with the caller's origin as the first
//! argument (`chrome-extension://<id>/`; on Windows a `--parent-window=<handle>` follows), and
//! the host manifest already names the allowed extensions; the companion checks again against
//! the list written at install beside it (`admin.rs`), so a manifest edited by hand opens
//! nothing.

/// The extension ID in a caller origin as Chrome passes it, if it is one.
pub fn extension_id(origin: &str) -> Option<&str> {
    let id = origin
        .strip_prefix("chrome-extension://")?
        .strip_suffix('/')?;
    // An extension ID is 32 letters a–p.
    (id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b))).then_some(id)
}

/// Whether `origin` (the first argument) may call, when `allowed_extensions` may.
pub fn allowed(origin: Option<&str>, allowed_extensions: &[String]) -> bool {
    origin
        .and_then(extension_id)
        .is_some_and(|id| allowed_extensions.iter().any(|allowed| allowed == id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "abcdefghijklmnopabcdefghijklmnop";

    #[test]
    fn only_a_listed_extension_origin_may_call() {
        let config = [ID.to_owned()];
        assert!(allowed(Some(&format!("chrome-extension://{ID}/")), &config));
        for origin in [
            None,
            Some("chrome-extension://ppppppppppppppppppppppppppppppppp/"),
            Some(&format!("chrome-extension://{ID}")),
            Some(&format!("https://{ID}/")),
            Some("--parent-window=0"),
            Some("chrome-extension://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP/"),
        ] {
            assert!(!allowed(origin, &config), "{origin:?}");
        }
        assert!(!allowed(Some(&format!("chrome-extension://{ID}/")), &[]));
    }
}
