/*
 * Public interface of librseqalloc: the per-CPU slab operations (rseq critical
 * sections in percpu_slab_x86_64.S) and the coexistence layer (rseq_coexist.c).
 *
 * Slab layout (shared with the Java side, dev.rseq.alloc.percpu.SlabLayout):
 *   slab = base .. base + regions * region_size; region i belongs to cpu (or mm_cid) i.
 *   region word 0      : control word. Non-zero means "stopped": a remote editor owns
 *                        the region and every critical section fails with RA_STOPPED.
 *   region word 1 + c  : header of size class c, packed in one 64-bit word:
 *                        bits  0..15 current, 16..31 end, 32..47 begin (slot indices).
 *                        begin <= current <= end; slots [begin, current) hold pointers.
 *   region word s      : pointer slot s (begin >= 1 + number of classes).
 * A critical section commits by storing the whole header word as its last instruction.
 */
#ifndef RSEQALLOC_H
#define RSEQALLOC_H

#include <stdint.h>

/* Negative results of the slab operations. Pointers are user-space addresses
 * (< 2^47), so a negative value is never a pointer. */
#define RA_NOT_REGISTERED (-1) /* no usable rseq on this thread: slab untouched */
#define RA_STOPPED        (-2) /* region fenced by a remote editor: slab untouched */

/* Thread modes, the same numbers as dev.rseq.alloc.rseq.RseqMode. */
#define RA_MODE_UNKNOWN             0
#define RA_MODE_RSEQ_GLIBC          1
#define RA_MODE_RSEQ_OWN            2
#define RA_MODE_CAS_OWNED_ELSEWHERE 3
#define RA_MODE_CAS_UNAVAILABLE     4
#define RA_MODE_CAS_FORCED          5

/* Process-wide strategy chosen by ra_init. */
#define RA_STRATEGY_GLIBC  1  /* glibc registered: use %fs:__rseq_offset */
#define RA_STRATEGY_OWN    2  /* register our own __rseq_abi per thread */
#define RA_STRATEGY_FORCED 3  /* forced CAS mode: never register */

/* Keys of ra_query. */
enum ra_query_key {
    RA_Q_STRATEGY = 1,
    RA_Q_RSEQ_OFFSET,          /* offset of the area from the thread pointer */
    RA_Q_GLIBC_RSEQ_SIZE,      /* __rseq_size as glibc exports it, -1 when absent */
    RA_Q_FEATURE_SIZE,         /* getauxval(AT_RSEQ_FEATURE_SIZE), 0 on old kernels */
    RA_Q_USABLE_SIZE,          /* bytes of struct rseq we may read */
    RA_Q_MM_CID_AVAILABLE,
    RA_Q_THREAD_MODE,          /* this thread's mode, RA_MODE_UNKNOWN before attach */
    RA_Q_THREAD_ERRNO,         /* errno of this thread's failed registration, 0 if none */
    RA_Q_CPU_ID,               /* this thread's area cpu_id (may be -1/-2) */
    RA_Q_MM_CID,               /* this thread's area mm_cid, -1 when not usable */
    RA_Q_MEMBARRIER_ERRNO,     /* 0 when MEMBARRIER_..._RSEQ is registered */
    RA_Q_ABORTS,               /* aborts counted by the abort handlers, all cpus */
    RA_Q_REFCOUNT,             /* this thread's __rseq_refcount */
    RA_Q_INJECT_DELAY,         /* 1 when this is the delay-injecting test build */
    RA_Q_CPUS_CONFIGURED,
    RA_Q_OWN_REGISTRATIONS,    /* threads registered by this library, process total */
    RA_Q_OWN_UNREGISTRATIONS,  /* of those, unregistered at thread exit */
};

int64_t ra_init(int32_t force_cas);
int32_t ra_attach_thread(void);
int64_t ra_query(int32_t key);
int32_t ra_fence(int32_t cpu);
int32_t ra_current_cpu(void);
void    ra_set_inject_delay(int64_t loops);

/* Critical sections, two families: *_cpu index regions by cpu_id, *_cid by mm_cid. */
int64_t ra_pop_cpu(uint64_t base, uint64_t region_size, uint32_t cls);
int64_t ra_push_cpu(uint64_t base, uint64_t region_size, uint32_t cls, uint64_t ptr);
int64_t ra_pop_batch_cpu(uint64_t base, uint64_t region_size, uint32_t cls, uint64_t *buf, uint32_t n);
int64_t ra_push_batch_cpu(uint64_t base, uint64_t region_size, uint32_t cls, uint64_t *buf, uint32_t n);
int64_t ra_pop_cid(uint64_t base, uint64_t region_size, uint32_t cls);
int64_t ra_push_cid(uint64_t base, uint64_t region_size, uint32_t cls, uint64_t ptr);
int64_t ra_pop_batch_cid(uint64_t base, uint64_t region_size, uint32_t cls, uint64_t *buf, uint32_t n);
int64_t ra_push_batch_cid(uint64_t base, uint64_t region_size, uint32_t cls, uint64_t *buf, uint32_t n);
/* Capacity edits on the calling thread's own region, also critical sections:
 * grow moves end up by at most delta but not past max_end; shrink moves end down by
 * at most delta but never below current. Both return the number of slots moved. */
int64_t ra_grow_cpu(uint64_t base, uint64_t region_size, uint32_t cls, uint32_t delta, uint32_t max_end);
int64_t ra_shrink_cpu(uint64_t base, uint64_t region_size, uint32_t cls, uint32_t delta);
int64_t ra_grow_cid(uint64_t base, uint64_t region_size, uint32_t cls, uint32_t delta, uint32_t max_end);
int64_t ra_shrink_cid(uint64_t base, uint64_t region_size, uint32_t cls, uint32_t delta);
/* An empty function: the baseline of a critical downcall in benchmarks. */
int64_t ra_noop(void);

#endif
