// Names webpack defines at build time (webpack.config.js), for the JSDoc check (tsconfig.json).

/** The packaged core's SHA-256 (hex); absent where the scripts run unbundled (Node's tests). */
declare const CORE_WASM_SHA256: string | undefined;
