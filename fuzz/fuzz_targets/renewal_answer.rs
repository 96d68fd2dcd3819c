//! The renewal API's answer (`read_answer`, private to the crate) through the public state
//! machine: a renewal is started, its probe answered, and the input is the body of the 200
//! answer to the POST, then (if taken) the body of the download. Checks: no panic; the
//! answer is taken (state `answered`) only when it is a JSON object with string `uri` and
//! non-empty string `pass`, the password is kept durably before anything else, and the one
//! GET goes to that `uri` as it was checked (normalized; the same URL to the browser), which the browser's own URL parser (WHATWG, the `url` crate)
//! places on `https:` port 443 of the service domain `orcamo.jp`, or on a listed host; any
//! other answer ends the renewal as `failed` (or `held`, below); and the answer's own bytes, downloaded, never
//! pass as the renewed certificate. An answer whose `uri` may not be fetched is held for the
//! administrator with its password (state `held`), and nothing is sent to that `uri`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use weborca_cert_fuzz::{PROVEN_STATES, Renewal, request_method, response};

fuzz_target!(|data: &[u8]| {
    let (mut renewal, _) = Renewal::start(false);
    let effects = renewal.feed(response(404, false, b"", false), 0.5);
    assert_eq!(renewal.state(), "requesting");
    assert_eq!(
        effects
            .iter()
            .filter_map(request_method)
            .collect::<Vec<_>>(),
        ["POST"]
    );

    let effects = renewal.feed(response(200, false, data, false), 0.5);
    let json: Option<Value> = serde_json::from_slice(data).ok();
    let field = |name| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(Value::as_str)
    };
    match renewal.state().as_str() {
        "answered" => {
            let (Some(uri), Some(pass)) = (field("uri"), field("pass")) else {
                panic!("answered without a string uri and pass");
            };
            assert!(!pass.is_empty());
            assert_eq!(
                effects[0]["type"], "keepSecret",
                "the password is kept first"
            );
            assert_eq!(effects[0]["durable"], true);
            assert_eq!(renewal.secret.as_ref().map(|s| s.pass.as_str()), Some(pass));
            let gets: Vec<&Value> = effects
                .iter()
                .filter(|e| request_method(e).is_some())
                .collect();
            assert_eq!(gets.len(), 1);
            assert_eq!(gets[0]["method"].as_str(), Some("GET"));
            // The URL fetched is the one checked: the answer's, in its normalized form (the
            // browser's parser reads both as the same URL), and the one stored.
            let fetched = gets[0]["url"].as_str().expect("a URL");
            assert_eq!(
                url::Url::parse(fetched).ok(),
                url::Url::parse(uri.trim()).ok(),
                "fetched {fetched:?} for the answer's {uri:?}"
            );
            assert_eq!(renewal.uri(), Some(fetched));
            if let Ok(url) = url::Url::parse(fetched) {
                let host = url.host_str().unwrap_or_default();
                let port = url.port_or_known_default();
                let allowed = ((host == "orcamo.jp" || host.ends_with(".orcamo.jp"))
                    && port == Some(443))
                    || (host == "files.example.jp" && port == Some(443))
                    || (host == "dl.example.jp" && port == Some(8443));
                assert!(
                    url.scheme() == "https" && allowed,
                    "GET to {url} (answer uri {uri:?})"
                );
            }
            // The answer is JSON, never a PKCS#12: downloaded, it must not verify.
            renewal.feed(response(200, false, data, false), 0.5);
            assert!(!PROVEN_STATES.contains(&renewal.state().as_str()));
        }
        "failed" => assert!(renewal.secret.is_none()),
        "held" => {
            let (Some(_), Some(pass)) = (field("uri"), field("pass")) else {
                panic!("held without a string uri and pass");
            };
            assert_eq!(renewal.secret.as_ref().map(|s| s.pass.as_str()), Some(pass));
            assert!(
                effects.iter().all(|e| request_method(e).is_none()),
                "nothing is sent to a uri that may not be fetched"
            );
        }
        other => panic!("a 200 answer left the renewal {other}"),
    }
});
