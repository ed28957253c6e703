/*
 * Test registrant that behaves like librseq, so that the coexistence tests need no
 * download. It follows librseq's src/rseq.c as of commit cbdabc45a163 (2025-08-19, the
 * tip of https://github.com/compudj/librseq when read; the file itself last changed in
 * 589d928, 2025-02-05). Written from that behaviour, not from its code. What it
 * reproduces, and nothing else:
 *
 *  - the exported interface: rseq_offset (ptrdiff_t), rseq_size (unsigned int),
 *    rseq_flags (unsigned int), rseq_register_current_thread() and
 *    rseq_unregister_current_thread();
 *  - initialisation in a constructor, repeated (idempotently) by every registration;
 *    rseq_size reads (unsigned)-1 before it;
 *  - glibc's ownership counts as success: when glibc exports __rseq_offset, __rseq_size
 *    and __rseq_flags with __rseq_size > 0, both calls return 0 and do nothing, and the
 *    three variables mirror glibc's, rseq_size with the fix-up for glibc's historical 20
 *    and 32 (min(32, kernel feature size));
 *  - otherwise it owns registration: rseq_offset points at its own static initial-exec
 *    TLS area, rseq_size is 0 until the first thread registers and the kernel's feature
 *    size from then on, and a thread registers with length max(rseq_size, 32) and
 *    signature 0x53053053;
 *  - a failed registration returns -1 (errno from rseq()) while no thread registered,
 *    and calls abort() once one has (rseq_size > 0). Registering a thread twice is such
 *    a failure (EBUSY): the call is meant to be made once per thread.
 *
 * One deliberate difference: librseq aligns its area to 1024 bytes to leave room for
 * future fields; 64 is enough here and keeps the static TLS this library takes small
 * when it is dlopen'ed late (glibc serves that from a small reserve).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_rseq
#define __NR_rseq 334
#endif
#define SIG 0x53053053u
#define ORIGINAL_ALLOCATION 32
#define ORIGINAL_FEATURES 20
#define UNREGISTER 1

struct area {
    uint32_t cpu_id_start;
    int32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid;
    char future[64 - 28];
} __attribute__((aligned(64)));

static __thread struct area area __attribute__((tls_model("initial-exec"))) = { .cpu_id = -1 };

ptrdiff_t rseq_offset;
unsigned int rseq_size = (unsigned int)-1;
unsigned int rseq_flags;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;
static int owner; /* 1: this library registers threads; 0: glibc does */

static unsigned int kernel_features(void)
{
    unsigned long size = getauxval(27 /* AT_RSEQ_FEATURE_SIZE */);
    return size ? (unsigned int)size : ORIGINAL_FEATURES;
}

static void initialise(void)
{
    if (__atomic_load_n(&initialised, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&init_lock);
    if (!initialised) {
        const ptrdiff_t *off = dlsym(RTLD_NEXT, "__rseq_offset");
        const unsigned int *size = dlsym(RTLD_NEXT, "__rseq_size");
        const unsigned int *flags = dlsym(RTLD_NEXT, "__rseq_flags");
        if (off && size && flags && *size != 0) {
            owner = 0;
            rseq_offset = *off;
            rseq_flags = *flags;
            if (*size == ORIGINAL_FEATURES || *size == ORIGINAL_ALLOCATION) {
                unsigned int k = kernel_features();
                rseq_size = k < ORIGINAL_ALLOCATION ? k : ORIGINAL_ALLOCATION;
            } else {
                rseq_size = *size;
            }
        } else {
            char *tp;
            __asm__ ("mov %%fs:0, %0" : "=r"(tp));
            owner = 1;
            rseq_offset = (char *)&area - tp;
            rseq_flags = 0;
            rseq_size = 0;
        }
        __atomic_store_n(&initialised, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&init_lock);
}

__attribute__((constructor)) static void on_load(void)
{
    initialise();
}

static unsigned int registration_length(void)
{
    return rseq_size > ORIGINAL_ALLOCATION ? rseq_size : ORIGINAL_ALLOCATION;
}

int rseq_register_current_thread(void)
{
    initialise();
    if (!owner)
        return 0;
    if (syscall(__NR_rseq, &area, registration_length(), 0, SIG) != 0) {
        if (__atomic_load_n(&rseq_size, __ATOMIC_RELAXED) > 0)
            abort(); /* some thread registered, this one cannot: incoherent, give up */
        return -1;
    }
    if (__atomic_load_n(&rseq_size, __ATOMIC_RELAXED) == 0)
        __atomic_store_n(&rseq_size, kernel_features(), __ATOMIC_RELAXED);
    return 0;
}

int rseq_unregister_current_thread(void)
{
    if (!owner)
        return 0;
    return syscall(__NR_rseq, &area, registration_length(), UNREGISTER, SIG) == 0 ? 0 : -1;
}
