/*
 * The rseq ABI as the kernel's uapi header (linux/rseq.h) defines it, restated here so
 * the build does not depend on how new the installed kernel headers are (Debian 12's
 * lack node_id and mm_cid).
 *
 * Included by C and by the assembly (percpu_slab_x86_64.S): everything above the
 * __ASSEMBLER__ guard is a plain integer macro, so both read the same numbers.
 */
#ifndef RSEQALLOC_RSEQ_ABI_H
#define RSEQALLOC_RSEQ_ABI_H

/* Values of struct rseq.cpu_id that are not a cpu number. */
#define RA_CPU_ID_UNINITIALIZED        (-1)
#define RA_CPU_ID_REGISTRATION_FAILED  (-2)

#define RA_RSEQ_FLAG_UNREGISTER 1

/* x86-64 signature: the 4 bytes before every abort handler must hold it, and it is
 * the value glibc and librseq register with, so our handlers are valid under their
 * areas. No C suffix: the assembler reads this macro too. */
#define RA_RSEQ_SIG 0x53053053

/* Size we register for our own area: the original 32-byte allocation, which covers
 * every field up to and including mm_cid. Also the alignment the kernel demands of a
 * 32-byte registration. */
#define RA_RSEQ_AREA_SIZE 32

/* Field offsets (bytes) inside struct rseq. */
#define RA_OFF_CPU_ID_START 0
#define RA_OFF_CPU_ID       4
#define RA_OFF_RSEQ_CS      8
#define RA_OFF_FLAGS        16
#define RA_OFF_NODE_ID      20
#define RA_OFF_MM_CID       24
/* A field is readable when the usable size reaches its end. */
#define RA_END_NODE_ID      (RA_OFF_NODE_ID + 4)
#define RA_END_MM_CID       (RA_OFF_MM_CID + 4)
/* The original feature set ends after flags: 20 bytes, what a kernel before 6.3
 * supports (AT_RSEQ_FEATURE_SIZE reads 0 there). */
#define RA_ORIG_FEATURE_SIZE (RA_OFF_FLAGS + 4)

/* struct rseq_cs: u32 version, u32 flags, u64 start_ip, u64 post_commit_offset,
 * u64 abort_ip; 32-byte aligned. */
#define RA_CS_OFF_VERSION            0
#define RA_CS_OFF_FLAGS              4
#define RA_CS_OFF_START_IP           8
#define RA_CS_OFF_POST_COMMIT_OFFSET 16
#define RA_CS_OFF_ABORT_IP           24
#define RA_CS_ALIGN                  32

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct ra_rseq_area {
    uint32_t cpu_id_start;
    int32_t  cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
    uint32_t node_id;   /* valid when the usable size >= RA_END_NODE_ID */
    uint32_t mm_cid;    /* valid when the usable size >= RA_END_MM_CID (kernel 6.3+) */
    uint32_t padding;
} __attribute__((aligned(RA_RSEQ_AREA_SIZE)));

struct ra_rseq_cs {
    uint32_t version;
    uint32_t flags;
    uint64_t start_ip;
    uint64_t post_commit_offset;
    uint64_t abort_ip;
} __attribute__((aligned(RA_CS_ALIGN)));

_Static_assert(sizeof(struct ra_rseq_area) == RA_RSEQ_AREA_SIZE, "struct rseq is 32 bytes");
_Static_assert(offsetof(struct ra_rseq_area, cpu_id_start) == RA_OFF_CPU_ID_START, "cpu_id_start");
_Static_assert(offsetof(struct ra_rseq_area, cpu_id) == RA_OFF_CPU_ID, "cpu_id");
_Static_assert(offsetof(struct ra_rseq_area, rseq_cs) == RA_OFF_RSEQ_CS, "rseq_cs");
_Static_assert(offsetof(struct ra_rseq_area, flags) == RA_OFF_FLAGS, "flags");
_Static_assert(offsetof(struct ra_rseq_area, node_id) == RA_OFF_NODE_ID, "node_id");
_Static_assert(offsetof(struct ra_rseq_area, mm_cid) == RA_OFF_MM_CID, "mm_cid");
_Static_assert(offsetof(struct ra_rseq_cs, start_ip) == RA_CS_OFF_START_IP, "start_ip");
_Static_assert(offsetof(struct ra_rseq_cs, post_commit_offset) == RA_CS_OFF_POST_COMMIT_OFFSET, "post_commit_offset");
_Static_assert(offsetof(struct ra_rseq_cs, abort_ip) == RA_CS_OFF_ABORT_IP, "abort_ip");
_Static_assert(sizeof(struct ra_rseq_cs) == 32, "struct rseq_cs is 32 bytes");
#endif /* __ASSEMBLER__ */

#endif
