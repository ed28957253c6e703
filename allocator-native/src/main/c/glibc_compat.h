/*
 * Binds the glibc functions librseqalloc calls to the oldest x86-64 symbol versions
 * that provide them. glibc 2.34 moved the libdl and libpthread functions into libc.so.6
 * under new versions (dlsym@@GLIBC_2.34, ...), so a library linked on a newer glibc
 * would otherwise refuse to load on anything older. The old versions stay exported by
 * every later glibc as compatibility symbols, and before 2.34 they live in libdl.so.2
 * and libpthread.so.0, which build-native.sh names as dependencies for that reason
 * (on 2.34+ both are empty stubs).
 *
 * build-native.sh checks the result with objdump: no symbol may need a version newer
 * than the floor stated in docs/coexistence.md (GLIBC_2.16, for getauxval).
 */
#ifndef RSEQALLOC_GLIBC_COMPAT_H
#define RSEQALLOC_GLIBC_COMPAT_H

#include <limits.h> /* defines __GLIBC__ (through features.h) where the C library is glibc */

#if defined(__x86_64__) && defined(__GLIBC__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlclose,dlclose@GLIBC_2.2.5");
__asm__(".symver dladdr,dladdr@GLIBC_2.2.5");
__asm__(".symver pthread_key_create,pthread_key_create@GLIBC_2.2.5");
__asm__(".symver pthread_setspecific,pthread_setspecific@GLIBC_2.2.5");
#endif

#endif
