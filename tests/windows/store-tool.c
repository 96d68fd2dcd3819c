/* Test set-up only, never shipped: puts into the current user's MY store what a terminal can hold
 * before the companion runs, and reads back what it then holds, through the same CryptoAPI the
 * companion uses. Built with mingw by wine.mjs; certificates and keys come as hex arguments.
 *
 *   store-tool add <cert DER hex>                         the certificate alone (as from a .crt)
 *   store-tool add <cert DER hex> key <PRIVATEKEYBLOB hex> <container>
 *                                                         with its key in a CryptoAPI container
 *                                                         of its own (as an earlier import left it)
 *   store-tool add <cert DER hex> link <container>        linked to a key that does not open
 *                                                         silently (here: one that is not there,
 *                                                         as a card taken out or a key that asks)
 *   store-tool entries      one line per MY entry: SHA-1, the key's container (or -), and
 *                           "usable" when the key opens silently and matches, else "unusable"
 *   store-tool containers   one line per key container of the user: "capi <name>" for the
 *                           Microsoft Enhanced provider's, "cng <name>" for the Software KSP's */
#include <windows.h>
#include <wincrypt.h>
#include <ncrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what) {
  fprintf(stderr, "store-tool: %s: error 0x%08lx\n", what, GetLastError());
  exit(1);
}

static BYTE *from_hex(const char *hex, DWORD *size) {
  size_t length = strlen(hex) / 2;
  BYTE *bytes = malloc(length ? length : 1);
  for (size_t i = 0; i < length; i++) {
    unsigned value;
    if (sscanf(hex + 2 * i, "%2x", &value) != 1) fail("hex");
    bytes[i] = (BYTE)value;
  }
  *size = (DWORD)length;
  return bytes;
}

static WCHAR *wide(const char *text) {
  int length = MultiByteToWideChar(CP_UTF8, 0, text, -1, NULL, 0);
  WCHAR *out = malloc(length * sizeof(WCHAR));
  MultiByteToWideChar(CP_UTF8, 0, text, -1, out, length);
  return out;
}

static HCERTSTORE open_my(void) {
  HCERTSTORE my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"MY");
  if (!my) fail("CertOpenStore");
  return my;
}

static void link_key(PCCERT_CONTEXT cert, WCHAR *container) {
  CRYPT_KEY_PROV_INFO info = {0};
  info.pwszContainerName = container;
  info.pwszProvName = (WCHAR *)MS_ENHANCED_PROV_W;
  info.dwProvType = PROV_RSA_FULL;
  info.dwKeySpec = AT_KEYEXCHANGE;
  if (!CertSetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, 0, &info)) fail("CERT_KEY_PROV_INFO");
}

static int add(int argc, char **argv) {
  DWORD size;
  BYTE *der = from_hex(argv[2], &size);
  HCERTSTORE my = open_my();
  PCCERT_CONTEXT cert;
  if (!CertAddEncodedCertificateToStore(my, X509_ASN_ENCODING, der, size, CERT_STORE_ADD_NEW, &cert))
    fail("CertAddEncodedCertificateToStore");
  if (argc == 6 && !strcmp(argv[3], "key")) {
    WCHAR *container = wide(argv[5]);
    HCRYPTPROV prov;
    HCRYPTKEY key;
    DWORD blob_size;
    BYTE *blob = from_hex(argv[4], &blob_size);
    if (!CryptAcquireContextW(&prov, container, MS_ENHANCED_PROV_W, PROV_RSA_FULL, CRYPT_NEWKEYSET))
      fail("CryptAcquireContextW(NEWKEYSET)");
    if (!CryptImportKey(prov, blob, blob_size, 0, 0, &key)) fail("CryptImportKey");
    CryptDestroyKey(key);
    CryptReleaseContext(prov, 0);
    link_key(cert, container);
  } else if (argc == 5 && !strcmp(argv[3], "link")) {
    link_key(cert, wide(argv[4]));
  } else if (argc != 3) {
    fprintf(stderr, "store-tool: add: bad arguments\n");
    return 2;
  }
  CertFreeCertificateContext(cert);
  CertCloseStore(my, 0);
  return 0;
}

static int entries(void) {
  HCERTSTORE my = open_my();
  PCCERT_CONTEXT cert = NULL;
  while ((cert = CertEnumCertificatesInStore(my, cert))) {
    BYTE hash[20];
    DWORD size = sizeof(hash);
    if (!CertGetCertificateContextProperty(cert, CERT_HASH_PROP_ID, hash, &size)) fail("CERT_HASH_PROP_ID");
    for (DWORD i = 0; i < size; i++) printf("%02X", hash[i]);
    size = 0;
    if (CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &size)) {
      CRYPT_KEY_PROV_INFO *info = malloc(size);
      if (!CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, info, &size)) fail("CERT_KEY_PROV_INFO");
      printf(" %ls", info->pwszContainerName ? info->pwszContainerName : L"?");
      free(info);
    } else {
      printf(" -");
    }
    HCRYPTPROV_OR_NCRYPT_KEY_HANDLE key;
    DWORD spec;
    BOOL free_it;
    if (CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_SILENT_FLAG | CRYPT_ACQUIRE_COMPARE_KEY_FLAG, NULL, &key,
                                          &spec, &free_it)) {
      printf(" usable\n");
      if (free_it) CryptReleaseContext(key, 0);
    } else {
      printf(" unusable\n");
    }
  }
  CertCloseStore(my, 0);
  return 0;
}

static int containers(void) {
  HCRYPTPROV prov;
  if (CryptAcquireContextW(&prov, NULL, MS_ENHANCED_PROV_W, PROV_RSA_FULL, CRYPT_VERIFYCONTEXT)) {
    char name[1024];
    DWORD size = sizeof(name);
    DWORD flags = CRYPT_FIRST;
    while (CryptGetProvParam(prov, PP_ENUMCONTAINERS, (BYTE *)name, &size, flags)) {
      printf("capi %s\n", name);
      size = sizeof(name);
      flags = 0;
    }
    CryptReleaseContext(prov, 0);
  }
  NCRYPT_PROV_HANDLE ksp;
  if (NCryptOpenStorageProvider(&ksp, MS_KEY_STORAGE_PROVIDER, 0) == ERROR_SUCCESS) {
    NCryptKeyName *name;
    void *state = NULL;
    while (NCryptEnumKeys(ksp, NULL, &name, &state, NCRYPT_SILENT_FLAG) == ERROR_SUCCESS) {
      printf("cng %ls\n", name->pszName);
      NCryptFreeBuffer(name);
    }
    if (state) NCryptFreeBuffer(state);
    NCryptFreeObject(ksp);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "add")) return add(argc, argv);
  if (argc == 2 && !strcmp(argv[1], "entries")) return entries();
  if (argc == 2 && !strcmp(argv[1], "containers")) return containers();
  fprintf(stderr, "usage: store-tool add|entries|containers …\n");
  return 2;
}
