/* For the Wine tests only, never shipped: Rust's standard library on Windows gets its random numbers from
 * ProcessPrng in bcryptprimitives.dll, which Wine 8 does not export, so every Rust program fails to start
 * under it. tests/wine/conftest.py builds this file into a bcryptprimitives.dll beside the test's .exe
 * files (Windows looks in the program's own folder first). It fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036), a random source Wine 8 has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG length: fill a larger buffer in pieces. */
    while (length > 0) {
        ULONG piece = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, piece))
            return FALSE;
        data += piece;
        length -= piece;
    }
    return TRUE;
}
