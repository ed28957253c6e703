/*
 * The rseq ABI as the kernel's uapi header defines it, restated here so the build
 * does not depend on how new the installed kernel headers are (Debian 12's lack
 * node_id and mm_cid).
 */
#ifndef RSEQALLOC_RSEQ_ABI_H
#define RSEQALLOC_RSEQ_ABI_H

#include <stdint.h>

/* Values of struct rseq.cpu_id that are not a cpu number. */
#define RA_CPU_ID_UNINITIALIZED        (-1)
#define RA_CPU_ID_REGISTRATION_FAILED  (-2)

#define RA_RSEQ_FLAG_UNREGISTER 1

/* x86-64 signature: the 4 bytes before every abort handler must hold it, and it is
 * the value glibc registers with, so our handlers are valid under glibc's area. */
#define RA_RSEQ_SIG 0x53053053u

/* Size we register for our own area: the original 32-byte allocation, which covers
 * every field up to and including mm_cid. */
#define RA_RSEQ_AREA_SIZE 32

/* Field offsets (bytes) inside struct rseq; the assembly uses the same numbers. */
#define RA_OFF_CPU_ID_START 0
#define RA_OFF_CPU_ID       4
#define RA_OFF_RSEQ_CS      8
#define RA_OFF_FLAGS        16
#define RA_OFF_NODE_ID      20
#define RA_OFF_MM_CID       24

struct ra_rseq_area {
    uint32_t cpu_id_start;
    int32_t  cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
    uint32_t node_id;   /* valid when the usable size >= 24 */
    uint32_t mm_cid;    /* valid when the usable size >= 28 (kernel 6.3+) */
    uint32_t padding;
} __attribute__((aligned(32)));

_Static_assert(sizeof(struct ra_rseq_area) == 32, "struct rseq is 32 bytes");

#endif
