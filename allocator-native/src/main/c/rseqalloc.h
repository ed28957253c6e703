/*
 * The contract of librseqalloc: every number that C, the assembly and Java must agree
 * on is defined here once. The part above the __ASSEMBLER__ guard is plain integer
 * macros, included by percpu_slab_x86_64.S as well as by C; rseq_coexist.c exports all
 * of them by name through ra_contract(), and dev.rseq.alloc.rseq.NativeContract checks
 * the Java side against that table when the library loads.
 *
 * Slab layout (the Java side is dev.rseq.alloc.percpu.SlabLayout):
 *   slab = base .. base + regions * region_size; region i belongs to cpu (or mm_cid) i.
 *   region word RA_SLAB_CONTROL_WORD: non-zero means "stopped": a remote editor owns
 *       the region and every critical section fails with RA_STOPPED.
 *   region word RA_SLAB_FIRST_HEADER_WORD + c: header of size class c, one 64-bit word
 *       holding three RA_SLAB_HDR_FIELD_BITS-bit slot indices: current at
 *       RA_SLAB_HDR_CURRENT_SHIFT, end at RA_SLAB_HDR_END_SHIFT, begin at
 *       RA_SLAB_HDR_BEGIN_SHIFT. begin <= current <= end; slots [begin, current) hold
 *       pointers.
 *   region word s: pointer slot s (begin >= RA_SLAB_FIRST_HEADER_WORD + classes).
 * A critical section commits by storing the whole header word as its last instruction.
 */
#ifndef RSEQALLOC_H
#define RSEQALLOC_H

#include "rseq_abi.h"

/* Bumped whenever a number below changes meaning. */
#define RA_CONTRACT_VERSION 2

/* Negative results of the slab operations. Pointers are user-space addresses
 * (< 2^47), so a negative value is never a pointer. */
#define RA_NOT_REGISTERED (-1) /* no usable rseq on this thread: slab untouched */
#define RA_STOPPED        (-2) /* region fenced by a remote editor: slab untouched */

/* Slab layout, see above. */
#define RA_SLAB_WORD_BYTES        8
#define RA_SLAB_CONTROL_WORD      0
#define RA_SLAB_FIRST_HEADER_WORD 1
#define RA_SLAB_HDR_CURRENT_SHIFT 0
#define RA_SLAB_HDR_END_SHIFT     16
#define RA_SLAB_HDR_BEGIN_SHIFT   32
#define RA_SLAB_HDR_FIELD_BITS    16

/* Abort counters: RA_ABORT_SLOTS slots (a power of two, indexed by cpu_id_start), each
 * alone on a 1 << RA_ABORT_SLOT_SHIFT byte cache line. */
#define RA_ABORT_SLOTS      1024
#define RA_ABORT_SLOT_SHIFT 6

/* Thread modes, the codes of dev.rseq.alloc.rseq.RseqMode. */
#define RA_MODE_UNKNOWN             0
#define RA_MODE_RSEQ_GLIBC          1
#define RA_MODE_RSEQ_OWN            2
#define RA_MODE_CAS_OWNED_ELSEWHERE 3
#define RA_MODE_CAS_UNAVAILABLE     4
#define RA_MODE_CAS_FORCED          5
#define RA_MODE_RSEQ_LIBRSEQ        6  /* librseq's area, shared with librseq's users */
#define RA_MODE_CAS_UNREGISTERED    7  /* nobody registered this thread and we may not: re-checked */

/* Why a thread is in its mode (ra_query(RA_Q_THREAD_REASON)). */
#define RA_REASON_NONE                     0
#define RA_REASON_GLIBC_REGISTERED         1
#define RA_REASON_GLIBC_FAILED             2  /* glibc's area reads -2 */
#define RA_REASON_GLIBC_UNREGISTERED       3  /* glibc's area reads -1: someone unregistered it */
#define RA_REASON_OWN_REGISTERED           4
#define RA_REASON_OWN_SHARED               5  /* an early adopter registered the shared __rseq_abi */
#define RA_REASON_OWN_AREA_CLAIMED         6  /* __rseq_abi claimed (refcount or cpu_id) but not registered */
#define RA_REASON_REGISTRATION_REFUSED     7  /* EBUSY/EINVAL/EPERM: another registration holds the thread */
#define RA_REASON_REGISTRATION_UNAVAILABLE 8  /* ENOSYS and the like */
#define RA_REASON_LIBRSEQ_REGISTERED       9  /* librseq's user registered the thread */
#define RA_REASON_LIBRSEQ_DELEGATED        10 /* we registered it through rseq_register_current_thread() */
#define RA_REASON_LIBRSEQ_PENDING          11 /* librseq owns registration, nobody registered the thread yet */
#define RA_REASON_LIBRSEQ_LATE             12 /* librseq appeared after we registered threads ourselves */
#define RA_REASON_SELF_REGISTER_OFF        13 /* nobody registers and rseqalloc.selfRegister=false */
#define RA_REASON_FORCED                   14
#define RA_REASON_LIBRSEQ_FAILED           15 /* rseq_register_current_thread() returned -1 */
#define RA_REASON_NO_LIBRARY               16 /* the Java side's: this library could not be loaded */

/* Process-wide strategy (ra_init, and one switch OWN/UNREGISTERED -> LIBRSEQ). */
#define RA_STRATEGY_NONE         0 /* the Java side's: this library could not be loaded */
#define RA_STRATEGY_GLIBC        1 /* glibc registered: use %fs:__rseq_offset */
#define RA_STRATEGY_OWN          2 /* register our own __rseq_abi per thread */
#define RA_STRATEGY_FORCED       3 /* forced CAS mode: never register */
#define RA_STRATEGY_LIBRSEQ      4 /* librseq owns registration: use %fs:rseq_offset */
#define RA_STRATEGY_UNREGISTERED 5 /* nobody registers: self-registration is off */

/* librseq as seen by this library (RA_Q_LIBRSEQ_STATE). */
#define RA_LIBRSEQ_NONE          0 /* not found (or not looked for: glibc owns, forced CAS) */
#define RA_LIBRSEQ_ADOPTED       1 /* found by ra_init: strategy LIBRSEQ from the start */
#define RA_LIBRSEQ_ADOPTED_LATE  2 /* found later, switched to its area (no own registration was live) */
#define RA_LIBRSEQ_BLOCKED       3 /* found later while our own registrations were live: not adopted */

/* Flags of ra_init. */
#define RA_INIT_FORCE_CAS        1
#define RA_INIT_NO_SELF_REGISTER 2 /* never register our own area */
#define RA_INIT_LIBRSEQ_REGISTER 4 /* register unregistered threads through librseq */

/* Results of ra_fence. */
#define RA_FENCE_MEMBARRIER 0
#define RA_FENCE_MIGRATION  1
#define RA_FENCE_NOT_NEEDED 2 /* the Java side's: no library, so no critical section anywhere */

/* Keys of ra_query. */
#define RA_Q_STRATEGY             1
#define RA_Q_RSEQ_OFFSET          2  /* offset of the area from the thread pointer */
#define RA_Q_GLIBC_RSEQ_SIZE      3  /* __rseq_size as glibc exports it, -1 when absent */
#define RA_Q_FEATURE_SIZE         4  /* getauxval(AT_RSEQ_FEATURE_SIZE), 0 on old kernels */
#define RA_Q_USABLE_SIZE          5  /* bytes of struct rseq we may read */
#define RA_Q_MM_CID_AVAILABLE     6
#define RA_Q_THREAD_MODE          7  /* this thread's mode, RA_MODE_UNKNOWN before attach */
#define RA_Q_THREAD_ERRNO         8  /* errno of this thread's failed registration, 0 if none */
#define RA_Q_CPU_ID               9  /* this thread's area cpu_id (may be -1/-2) */
#define RA_Q_MM_CID               10 /* this thread's area mm_cid, -1 when not usable */
#define RA_Q_MEMBARRIER_ERRNO     11 /* 0 when MEMBARRIER_..._RSEQ is registered */
#define RA_Q_ABORTS               12 /* aborts counted by the abort handlers, all cpus */
#define RA_Q_REFCOUNT             13 /* this thread's __rseq_refcount */
#define RA_Q_INJECT_DELAY         14 /* 1 when this is the delay-injecting test build */
#define RA_Q_CPUS_CONFIGURED      15
#define RA_Q_OWN_REGISTRATIONS    16 /* threads registered by this library, process total */
#define RA_Q_OWN_UNREGISTRATIONS  17 /* of those, unregistered at thread exit */
#define RA_Q_THREAD_REASON        18 /* RA_REASON_* of this thread */
#define RA_Q_LIBRSEQ_STATE        19 /* RA_LIBRSEQ_* */
#define RA_Q_LIBRSEQ_PRESENT      20 /* looks now: 1 when a librseq is loaded, wherever */
#define RA_Q_LIBRSEQ_RSEQ_SIZE    21 /* librseq's rseq_size now, -1 when none was found */
#define RA_Q_OWN_LIVE             22 /* threads running on our own registration now */
#define RA_Q_LIBRSEQ_DELEGATED    23 /* threads this library registered through librseq */
#define RA_Q_INIT_FLAGS           24
#define RA_Q_FEATURE_ALIGN        25 /* getauxval(AT_RSEQ_ALIGN), 0 on old kernels */
#define RA_Q_HAS_RDTSCP           26 /* 1: ra_rdtscp uses rdtscp; 0: lfence; rdtsc */

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * Every name above, for ra_contract(). A name missing here is a name Java cannot
 * check; NativeContract fails on names it expects but does not find.
 */
#define RA_CONTRACT_NAMES(X) \
    X(RA_CONTRACT_VERSION) \
    X(RA_CPU_ID_UNINITIALIZED) X(RA_CPU_ID_REGISTRATION_FAILED) X(RA_RSEQ_SIG) X(RA_RSEQ_AREA_SIZE) \
    X(RA_OFF_CPU_ID_START) X(RA_OFF_CPU_ID) X(RA_OFF_RSEQ_CS) X(RA_OFF_FLAGS) X(RA_OFF_NODE_ID) \
    X(RA_OFF_MM_CID) X(RA_END_NODE_ID) X(RA_END_MM_CID) X(RA_ORIG_FEATURE_SIZE) \
    X(RA_NOT_REGISTERED) X(RA_STOPPED) \
    X(RA_SLAB_WORD_BYTES) X(RA_SLAB_CONTROL_WORD) X(RA_SLAB_FIRST_HEADER_WORD) \
    X(RA_SLAB_HDR_CURRENT_SHIFT) X(RA_SLAB_HDR_END_SHIFT) X(RA_SLAB_HDR_BEGIN_SHIFT) X(RA_SLAB_HDR_FIELD_BITS) \
    X(RA_ABORT_SLOTS) X(RA_ABORT_SLOT_SHIFT) \
    X(RA_MODE_UNKNOWN) X(RA_MODE_RSEQ_GLIBC) X(RA_MODE_RSEQ_OWN) X(RA_MODE_CAS_OWNED_ELSEWHERE) \
    X(RA_MODE_CAS_UNAVAILABLE) X(RA_MODE_CAS_FORCED) X(RA_MODE_RSEQ_LIBRSEQ) X(RA_MODE_CAS_UNREGISTERED) \
    X(RA_REASON_NONE) X(RA_REASON_GLIBC_REGISTERED) X(RA_REASON_GLIBC_FAILED) X(RA_REASON_GLIBC_UNREGISTERED) \
    X(RA_REASON_OWN_REGISTERED) X(RA_REASON_OWN_SHARED) X(RA_REASON_OWN_AREA_CLAIMED) \
    X(RA_REASON_REGISTRATION_REFUSED) X(RA_REASON_REGISTRATION_UNAVAILABLE) X(RA_REASON_LIBRSEQ_REGISTERED) \
    X(RA_REASON_LIBRSEQ_DELEGATED) X(RA_REASON_LIBRSEQ_PENDING) X(RA_REASON_LIBRSEQ_LATE) \
    X(RA_REASON_SELF_REGISTER_OFF) X(RA_REASON_FORCED) X(RA_REASON_LIBRSEQ_FAILED) X(RA_REASON_NO_LIBRARY) \
    X(RA_STRATEGY_NONE) X(RA_STRATEGY_GLIBC) X(RA_STRATEGY_OWN) X(RA_STRATEGY_FORCED) X(RA_STRATEGY_LIBRSEQ) \
    X(RA_STRATEGY_UNREGISTERED) \
    X(RA_LIBRSEQ_NONE) X(RA_LIBRSEQ_ADOPTED) X(RA_LIBRSEQ_ADOPTED_LATE) X(RA_LIBRSEQ_BLOCKED) \
    X(RA_INIT_FORCE_CAS) X(RA_INIT_NO_SELF_REGISTER) X(RA_INIT_LIBRSEQ_REGISTER) \
    X(RA_FENCE_MEMBARRIER) X(RA_FENCE_MIGRATION) X(RA_FENCE_NOT_NEEDED) \
    X(RA_Q_STRATEGY) X(RA_Q_RSEQ_OFFSET) X(RA_Q_GLIBC_RSEQ_SIZE) X(RA_Q_FEATURE_SIZE) X(RA_Q_USABLE_SIZE) \
    X(RA_Q_MM_CID_AVAILABLE) X(RA_Q_THREAD_MODE) X(RA_Q_THREAD_ERRNO) X(RA_Q_CPU_ID) X(RA_Q_MM_CID) \
    X(RA_Q_MEMBARRIER_ERRNO) X(RA_Q_ABORTS) X(RA_Q_REFCOUNT) X(RA_Q_INJECT_DELAY) X(RA_Q_CPUS_CONFIGURED) \
    X(RA_Q_OWN_REGISTRATIONS) X(RA_Q_OWN_UNREGISTRATIONS) X(RA_Q_THREAD_REASON) X(RA_Q_LIBRSEQ_STATE) \
    X(RA_Q_LIBRSEQ_PRESENT) X(RA_Q_LIBRSEQ_RSEQ_SIZE) X(RA_Q_OWN_LIVE) X(RA_Q_LIBRSEQ_DELEGATED) \
    X(RA_Q_INIT_FLAGS) X(RA_Q_FEATURE_ALIGN) X(RA_Q_HAS_RDTSCP)

/* One entry of the table ra_contract() returns; the table ends with a NULL name. */
struct ra_contract_entry {
    const char *name;
    int64_t value;
};

const struct ra_contract_entry *ra_contract(void);

int64_t ra_init(int32_t flags);
int32_t ra_attach_thread(void);
int64_t ra_query(int32_t key);
/* Path of the librseq this library found (adopted or seen), or NULL. */
const char *ra_librseq_path(void);
/* Looks for librseq now and switches to its area when that is safe (see rseq_coexist.c):
 * the new RA_LIBRSEQ_* state. Thread attach does the same for each new thread. */
int32_t ra_rescan_librseq(void);
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
/* The time-stamp counter: rdtscp where the cpu has it, else lfence; rdtsc. No call,
 * no memory access but one flag: cheap enough for a critical downcall timer. */
int64_t ra_rdtscp(void);
#endif /* __ASSEMBLER__ */

#endif
