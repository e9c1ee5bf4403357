/* Stand-in for Windows' bcryptprimitives.dll, which Wine 8.0 lacks.
 *
 * Rust's std (1.78 and later) imports ProcessPrng from this DLL to seed its
 * hash maps and thread ids, so without it no Rust .exe even loads under
 * Wine 8.0 (exit 53). The one export fills the buffer from the OS random
 * source that Wine does implement (advapi32's RtlGenRandom). Used only in
 * the throw-away Wine prefix of scripts/windows-cross.sh; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG: feed large requests in slices. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
