/*
 * Test helper: a "foreign" rseq user that takes a thread's registration before the
 * allocator sees it. It registers its own TLS area with its own signature; under
 * glibc's ownership it first unregisters glibc's area, the way a component that insists
 * on its own registration would. Used by the coexistence tests to make one thread
 * "owned elsewhere" while the others keep their normal registration.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_rseq
#define __NR_rseq 334
#endif
#define GLIBC_SIG 0x53053053u
#define FOREIGN_SIG 0x0badc0deu

struct area {
    uint32_t cpu_id_start;
    int32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid, pad;
} __attribute__((aligned(32)));

static __thread struct area foreign_area = { .cpu_id = -1 };

static char *thread_pointer(void)
{
    char *tp;
    __asm__ ("mov %%fs:0, %0" : "=r"(tp));
    return tp;
}

/* Returns 0 on success, or -errno of the failing rseq call. */
int foreign_rseq_register(void)
{
    const ptrdiff_t *off = dlsym(RTLD_DEFAULT, "__rseq_offset");
    const unsigned int *size = dlsym(RTLD_DEFAULT, "__rseq_size");
    if (off && size && *size > 0) {
        struct area *glibc = (struct area *)(thread_pointer() + *off);
        if (glibc->cpu_id >= 0 && syscall(__NR_rseq, glibc, 32, 1, GLIBC_SIG) != 0)
            return -errno;
    }
    if (syscall(__NR_rseq, &foreign_area, 32, 0, FOREIGN_SIG) != 0)
        return -errno;
    return 0;
}

int foreign_rseq_cpu_id(void)
{
    return foreign_area.cpu_id;
}
