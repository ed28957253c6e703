/*
 * Coexistence with glibc and other rseq users (DESIGN 3; docs/coexistence.md).
 *
 * One strategy per process, chosen once by ra_init:
 *   GLIBC  - glibc (2.35+) registered an area for every thread: we use it through
 *            %fs:__rseq_offset and never call rseq() ourselves.
 *   OWN    - nobody registers for us (GLIBC_TUNABLES=glibc.pthread.rseq=0, glibc < 2.35):
 *            each thread registers __rseq_abi lazily, only when its cpu_id still reads
 *            RSEQ_CPU_ID_UNINITIALIZED, following the __rseq_refcount convention.
 *   FORCED - the user asked for CAS mode: we never register and never use an area.
 * Then one mode per thread (ra_attach_thread): a thread that cannot use rseq is
 * reported as CAS and the critical sections refuse to run on it (cpu_id < 0), so a
 * CAS thread can never write an rseq slab.
 */
#define _GNU_SOURCE
#include "rseqalloc.h"
#include "rseq_abi.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#endif
#ifndef __NR_rseq
#define __NR_rseq 334
#endif
#ifndef __NR_membarrier
#define __NR_membarrier 324
#endif
#define RA_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ (1 << 7)
#define RA_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ (1 << 8)
#define RA_MEMBARRIER_CMD_FLAG_CPU (1 << 0)
#define RA_ABORT_SLOTS 1024

/*
 * The early adopters' shared area and its reference count (librseq before glibc took
 * ownership). Default visibility and initial-exec TLS: a definition loaded earlier in
 * the global scope (an LD_PRELOADed early adopter) interposes on ours, so all of them
 * share one registration per thread; initial-exec keeps the offset from the thread
 * pointer identical on every thread, which the assembly relies on.
 */
__attribute__((tls_model("initial-exec"), aligned(32)))
__thread struct ra_rseq_area __rseq_abi = { .cpu_id = RA_CPU_ID_UNINITIALIZED };
__attribute__((tls_model("initial-exec")))
__thread unsigned int __rseq_refcount;

/* Read by every critical section: the area's offset from the thread pointer. */
__attribute__((visibility("hidden"))) int64_t ra_rseq_offset;
/* Abort counters, one cache line per cpu (indexed by cpu_id_start). */
__attribute__((visibility("hidden"), aligned(64))) uint64_t ra_abort_counts[RA_ABORT_SLOTS * 8];
/* Spin iterations inside each section; read only by the delay-injecting test build. */
__attribute__((visibility("hidden"))) int64_t ra_inject_loops;

static int initialized;
static int strategy;
static long glibc_rseq_size = -1;
static long feature_size;
static long usable_size;
static int membarrier_errno = -1;
static long own_registrations;
static long own_unregistrations;
static pthread_key_t exit_key;

static __thread int thread_mode;
static __thread int thread_errno;
/* 1 when this thread took a reference on __rseq_abi and must drop it at exit. */
static __thread int thread_holds_reference;

static inline char *thread_pointer(void)
{
    char *tp;
    __asm__ ("mov %%fs:0, %0" : "=r"(tp));
    return tp;
}

static inline struct ra_rseq_area *current_area(void)
{
    return (struct ra_rseq_area *)(thread_pointer() + ra_rseq_offset);
}

static int64_t own_area_offset(void)
{
    return (char *)&__rseq_abi - thread_pointer();
}

static int sys_rseq(struct ra_rseq_area *area, uint32_t len, int flags, uint32_t sig)
{
    return (int)syscall(__NR_rseq, area, len, flags, sig);
}

static void drop_reference(void)
{
    if (!thread_holds_reference)
        return;
    thread_holds_reference = 0;
    /* Unregister on 1 -> 0: the last user of the shared area on this thread. */
    if (--__rseq_refcount == 0) {
        if (sys_rseq(&__rseq_abi, RA_RSEQ_AREA_SIZE, RA_RSEQ_FLAG_UNREGISTER, RA_RSEQ_SIG) == 0)
            __atomic_fetch_add(&own_unregistrations, 1, __ATOMIC_RELAXED);
        __rseq_abi.cpu_id = RA_CPU_ID_UNINITIALIZED;
    }
}

/* pthread key destructor: runs at thread exit, before the thread's TLS goes away. */
static void on_thread_exit(void *unused)
{
    (void)unused;
    drop_reference();
}

/* The library is linked -z nodelete, so this runs at process exit only; it still
 * drops the calling thread's reference as the refcount convention asks. */
__attribute__((destructor)) static void on_unload(void)
{
    drop_reference();
}

static long possible_cpus(void)
{
    /* /sys/devices/system/cpu/possible reads like "0-15" or "0,2-3": cpu ids (and mm_cid
     * values) stay below its last number + 1. */
    long max = -1;
    FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
    if (f) {
        char buf[256];
        if (fgets(buf, sizeof buf, f)) {
            long cur = 0;
            int have = 0;
            for (char *p = buf; *p; p++) {
                if (*p >= '0' && *p <= '9') {
                    cur = cur * 10 + (*p - '0');
                    have = 1;
                } else {
                    if (have && cur > max)
                        max = cur;
                    cur = 0;
                    have = 0;
                }
            }
            if (have && cur > max)
                max = cur;
        }
        fclose(f);
    }
    long conf = sysconf(_SC_NPROCESSORS_CONF);
    return max + 1 > conf ? max + 1 : conf;
}

int64_t ra_init(int32_t force_cas)
{
    if (__atomic_load_n(&initialized, __ATOMIC_ACQUIRE))
        return strategy;
    /* Looked up at run time, not linked: glibc before 2.35 has no such symbols. */
    const ptrdiff_t *glibc_offset = dlsym(RTLD_DEFAULT, "__rseq_offset");
    const unsigned int *glibc_size = dlsym(RTLD_DEFAULT, "__rseq_size");
    feature_size = (long)getauxval(AT_RSEQ_FEATURE_SIZE);
    glibc_rseq_size = glibc_size ? (long)*glibc_size : -1;

    long registered;
    if (force_cas) {
        strategy = RA_STRATEGY_FORCED;
        ra_rseq_offset = own_area_offset(); /* never registered: sections refuse */
        registered = 0;
    } else if (glibc_size && glibc_offset && *glibc_size > 0) {
        strategy = RA_STRATEGY_GLIBC;
        ra_rseq_offset = *glibc_offset;
        /* Some glibc releases (Debian 12's 2.36 among them) export 20, the original ABI
         * size, although they register 32 bytes: the fix-up reads it as 32, and the
         * feature size below limits what we use. */
        registered = *glibc_size == 20 ? RA_RSEQ_AREA_SIZE : (long)*glibc_size;
    } else {
        strategy = RA_STRATEGY_OWN;
        ra_rseq_offset = own_area_offset();
        registered = RA_RSEQ_AREA_SIZE;
        pthread_key_create(&exit_key, on_thread_exit);
    }
    /* A field is usable only if both the kernel (feature size, 0 before 6.3 meaning
     * the original 20 bytes) and the registration cover it. */
    long kernel = feature_size == 0 ? 20 : feature_size;
    usable_size = registered < kernel ? registered : kernel;

    if (syscall(__NR_membarrier, RA_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0)
        membarrier_errno = 0;
    else
        membarrier_errno = errno;
    __atomic_store_n(&initialized, 1, __ATOMIC_RELEASE);
    return strategy;
}

static int classify_registration_error(int err)
{
    /* EBUSY: this area is registered already; EINVAL: another area (or length) is;
     * EPERM: registered with another signature. All mean someone else owns rseq on
     * this thread. Anything else (ENOSYS from old kernels, seccomp, valgrind) means
     * rseq is unavailable. */
    return err == EBUSY || err == EINVAL || err == EPERM
        ? RA_MODE_CAS_OWNED_ELSEWHERE : RA_MODE_CAS_UNAVAILABLE;
}

static int attach_own(void)
{
    struct ra_rseq_area *area = &__rseq_abi;
    if (area->cpu_id >= 0) {
        /* An early adopter sharing __rseq_abi registered it on this thread already. */
        if (__rseq_refcount > 0) {
            __rseq_refcount++;
            thread_holds_reference = 1;
            pthread_setspecific(exit_key, (void *)1);
        }
        return RA_MODE_RSEQ_OWN;
    }
    if (area->cpu_id != RA_CPU_ID_UNINITIALIZED || __rseq_refcount > 0)
        return RA_MODE_CAS_OWNED_ELSEWHERE; /* someone claimed it and did not register */
    __rseq_refcount = 1; /* increment before registering: 0 -> 1 registers */
    if (sys_rseq(area, RA_RSEQ_AREA_SIZE, 0, RA_RSEQ_SIG) != 0) {
        thread_errno = errno;
        __rseq_refcount = 0;
        return classify_registration_error(thread_errno);
    }
    __atomic_fetch_add(&own_registrations, 1, __ATOMIC_RELAXED);
    thread_holds_reference = 1;
    pthread_setspecific(exit_key, (void *)1);
    return RA_MODE_RSEQ_OWN;
}

int32_t ra_attach_thread(void)
{
    if (thread_mode != RA_MODE_UNKNOWN)
        return thread_mode;
    switch (strategy) {
    case RA_STRATEGY_GLIBC: {
        int32_t cpu = current_area()->cpu_id;
        /* -2: glibc tried and failed on this thread; -1: glibc always registers at
         * thread start, so its area was unregistered by another component. */
        thread_mode = cpu >= 0 ? RA_MODE_RSEQ_GLIBC
            : cpu == RA_CPU_ID_REGISTRATION_FAILED ? RA_MODE_CAS_UNAVAILABLE
            : RA_MODE_CAS_OWNED_ELSEWHERE;
        break;
    }
    case RA_STRATEGY_OWN:
        thread_mode = attach_own();
        break;
    default:
        thread_mode = RA_MODE_CAS_FORCED;
        break;
    }
    return thread_mode;
}

int32_t ra_current_cpu(void)
{
    return current_area()->cpu_id;
}

int64_t ra_query(int32_t key)
{
    switch (key) {
    case RA_Q_STRATEGY: return strategy;
    case RA_Q_RSEQ_OFFSET: return ra_rseq_offset;
    case RA_Q_GLIBC_RSEQ_SIZE: return glibc_rseq_size;
    case RA_Q_FEATURE_SIZE: return feature_size;
    case RA_Q_USABLE_SIZE: return usable_size;
    case RA_Q_MM_CID_AVAILABLE: return usable_size >= RA_OFF_MM_CID + 4;
    case RA_Q_THREAD_MODE: return thread_mode;
    case RA_Q_THREAD_ERRNO: return thread_errno;
    case RA_Q_CPU_ID: return current_area()->cpu_id;
    case RA_Q_MM_CID:
        return usable_size >= RA_OFF_MM_CID + 4 && current_area()->cpu_id >= 0
            ? (int64_t)current_area()->mm_cid : -1;
    case RA_Q_MEMBARRIER_ERRNO: return membarrier_errno;
    case RA_Q_ABORTS: {
        uint64_t sum = 0;
        for (int i = 0; i < RA_ABORT_SLOTS; i++)
            sum += __atomic_load_n(&ra_abort_counts[i * 8], __ATOMIC_RELAXED);
        return (int64_t)sum;
    }
    case RA_Q_REFCOUNT: return __rseq_refcount;
#ifdef RA_INJECT_DELAY
    case RA_Q_INJECT_DELAY: return 1;
#else
    case RA_Q_INJECT_DELAY: return 0;
#endif
    case RA_Q_CPUS_CONFIGURED: return possible_cpus();
    case RA_Q_OWN_REGISTRATIONS: return __atomic_load_n(&own_registrations, __ATOMIC_RELAXED);
    case RA_Q_OWN_UNREGISTRATIONS: return __atomic_load_n(&own_unregistrations, __ATOMIC_RELAXED);
    default: return -1;
    }
}

void ra_set_inject_delay(int64_t loops)
{
    __atomic_store_n(&ra_inject_loops, loops, __ATOMIC_RELAXED);
}

/* Runs the calling thread once on `cpu`: every critical section that was running
 * there has been preempted by then, hence aborted. The fence of last resort when
 * membarrier is blocked. */
static int fence_by_migration(int cpu, const cpu_set_t *saved)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return -errno;
    sched_yield();
    sched_setaffinity(0, sizeof *saved, saved);
    return 1;
}

/*
 * Aborts every critical section in flight on `cpu` (all cpus when cpu < 0) and makes
 * the caller's earlier stores visible to the sections that start afterwards.
 * Returns 0 (membarrier), 1 (migration fallback) or -errno.
 */
int32_t ra_fence(int32_t cpu)
{
    if (membarrier_errno == 0) {
        long rc = cpu >= 0
            ? syscall(__NR_membarrier, RA_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, RA_MEMBARRIER_CMD_FLAG_CPU, cpu)
            : syscall(__NR_membarrier, RA_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0);
        if (rc == 0)
            return 0;
    }
    cpu_set_t saved;
    if (sched_getaffinity(0, sizeof saved, &saved) != 0)
        return -errno;
    if (cpu >= 0)
        return fence_by_migration(cpu, &saved);
    /* mm_cid indexing or "all": visit every cpu of the process, not only those in the
     * caller's own mask (another thread may run where the caller is not allowed to go by
     * its own pinning; widening the mask is permitted within the cpuset). EINVAL means
     * the cpu is offline or outside the cpuset: none of our threads runs there. */
    long cpus = possible_cpus();
    for (int c = 0; c < CPU_SETSIZE && c < cpus; c++) {
        int rc = fence_by_migration(c, &saved);
        if (rc < 0 && rc != -EINVAL)
            return rc;
    }
    return 1;
}
