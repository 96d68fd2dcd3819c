/* Test set-up only, never shipped: Wine 8's bcryptprimitives.dll lacks ProcessPrng, which Rust's
 * std (1.78 on) imports to start. Put beside the .exe, this one forwards to RtlGenRandom
 * (advapi32's SystemFunction036), as Windows' own does in effect. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
