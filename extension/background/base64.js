/** Base64 of bytes (what an offscreen document and the companion read), in chunks that stay
 * within the argument limit of String.fromCharCode. */
export function base64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
