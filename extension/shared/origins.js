// The WebORCA origins the manifest's content script already covers (the cloud ones); any
// other watched origin is on-premise and needs host access granted at run time.

/** `https://host` for each origin matched by the manifest's content scripts. */
export function builtInOrigins() {
  return chrome.runtime.getManifest().content_scripts
    .flatMap((script) => script.matches)
    .map((pattern) => pattern.replace(/\/\*$/, ''));
}

/** The watched origins the manifest does not cover. */
export function onPremiseOrigins(settings) {
  const builtIn = builtInOrigins();
  return settings.weborcaOrigins.filter((origin) => !builtIn.includes(origin));
}
