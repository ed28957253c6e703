/*
 * Coexistence with glibc, librseq and other rseq users (docs/coexistence.md).
 *
 * One strategy per process, chosen by ra_init; it fixes ra_rseq_offset, the offset of
 * the area every critical section reads:
 *   GLIBC        - glibc (2.35+) registered an area for every thread: we use it through
 *                  %fs:__rseq_offset and never call rseq() ourselves. A librseq in the
 *                  process does the same (it treats glibc's ownership as its own).
 *   LIBRSEQ      - glibc does not register and librseq is loaded: librseq owns
 *                  registration and we use its area (%fs:rseq_offset). A thread runs
 *                  rseq once librseq's user registered it; we register threads through
 *                  librseq only when asked to (RA_INIT_LIBRSEQ_REGISTER), see
 *                  attach_librseq for why that is not the default.
 *   OWN          - nobody registers for us: each thread registers __rseq_abi lazily,
 *                  only when its cpu_id still reads RSEQ_CPU_ID_UNINITIALIZED, following
 *                  the __rseq_refcount convention.
 *   UNREGISTERED - as OWN, but self-registration is off (rseqalloc.selfRegister=false):
 *                  threads use the CAS caches until a librseq appears.
 *   FORCED       - the user asked for CAS mode: we never register and never use an area.
 * librseq can be dlopen'ed after us. Under OWN and UNREGISTERED every thread's first
 * attach looks for it again, and the strategy switches once to LIBRSEQ when no thread
 * runs on our own registration (then no critical section can be reading our area). While
 * some do, the switch waits, and we stop registering new threads ourselves: a thread we
 * registered makes librseq's later registration of it fail, and librseq aborts.
 * Then one mode per thread (ra_attach_thread): a thread that cannot use rseq is
 * reported as CAS and the critical sections refuse to run on it (cpu_id < 0), so a
 * CAS thread can never write an rseq slab.
 */
#define _GNU_SOURCE
#include "glibc_compat.h"
#include "rseqalloc.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#endif
#ifndef AT_RSEQ_ALIGN
#define AT_RSEQ_ALIGN 28
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
/* Counter words between two abort slots: one slot per cache line. */
#define ABORT_STRIDE ((1 << RA_ABORT_SLOT_SHIFT) / sizeof(uint64_t))

_Static_assert((RA_ABORT_SLOTS & (RA_ABORT_SLOTS - 1)) == 0, "abort slots are masked");
_Static_assert((1 << RA_ABORT_SLOT_SHIFT) % sizeof(uint64_t) == 0, "whole counter words per slot");

#define RA_CONTRACT_ENTRY(name) { #name, (int64_t)(name) },
static const struct ra_contract_entry contract[] = {
    RA_CONTRACT_NAMES(RA_CONTRACT_ENTRY)
#ifdef RA_TEST_SKEWED_CONTRACT
    /* Test build only (tests jar, librseqalloc-skewed.so): a reader that keeps the last
     * value of a name sees RA_Q_MM_CID off by one, as a library from another build would
     * show it; Java's load-time check must refuse it by name. */
    { "RA_Q_MM_CID", RA_Q_MM_CID + 1 },
#endif
    { NULL, 0 }
};

const struct ra_contract_entry *ra_contract(void)
{
    return contract;
}

/*
 * The early adopters' shared area and its reference count (librseq before glibc took
 * ownership). Default visibility and initial-exec TLS: a definition loaded earlier in
 * the global scope (an LD_PRELOADed early adopter) interposes on ours, so all of them
 * share one registration per thread; initial-exec keeps the offset from the thread
 * pointer identical on every thread, which the assembly relies on.
 */
__attribute__((tls_model("initial-exec"), aligned(RA_RSEQ_AREA_SIZE)))
__thread struct ra_rseq_area __rseq_abi = { .cpu_id = RA_CPU_ID_UNINITIALIZED };
__attribute__((tls_model("initial-exec")))
__thread unsigned int __rseq_refcount;

/* Read by every critical section: the area's offset from the thread pointer. Written
 * by ra_init and by the one switch to librseq's area (release store; a section that read
 * the old value finds our area unregistered and refuses, see switch_to_librseq). */
__attribute__((visibility("hidden"))) int64_t ra_rseq_offset;
/* Abort counters, one cache line per cpu (indexed by cpu_id_start). */
__attribute__((visibility("hidden"), aligned(64))) uint64_t ra_abort_counts[RA_ABORT_SLOTS * ABORT_STRIDE];
/* Spin iterations inside each section; read only by the delay-injecting test build. */
__attribute__((visibility("hidden"))) int64_t ra_inject_loops;
/* 1 when the cpu has rdtscp (read by ra_rdtscp). */
__attribute__((visibility("hidden"))) uint8_t ra_has_rdtscp;

/* librseq's exported interface, as found in the process. */
struct librseq_syms {
    const ptrdiff_t *offset;
    const unsigned int *size;     /* (unsigned)-1 before its constructor ran */
    const unsigned int *flags;
    int (*register_thread)(void);
};

/* Serialises first attaches under OWN/UNREGISTERED with the librseq look-up and the
 * strategy switch, so that "no thread runs on our registration" stays true while the
 * switch happens. Never taken on a path that holds the loader lock. */
static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static int init_flags;
static int strategy;
static long glibc_rseq_size = -1;
static long feature_size;
static long feature_align;
static long usable_size;
static int membarrier_errno = -1;
static long own_registrations;
static long own_unregistrations;
static long own_live;             /* threads in mode rseq-own that have not exited */
static long librseq_delegated;
static pthread_key_t exit_key;
static struct librseq_syms librseq;
static int librseq_found;
static int librseq_state;         /* RA_LIBRSEQ_* */
static char librseq_path[512];
static unsigned long long scanned_adds; /* dl_iterate_phdr's load count at the last look */

static __thread int thread_mode;
static __thread int thread_reason;
static __thread int thread_errno;
/* The mode may still change: the thread has no registration we can use yet, and a
 * librseq user may register it later. Re-checked at every attach. */
static __thread int thread_pending;
static __thread int thread_delegated;
/* 1 when this thread took a reference on __rseq_abi and must drop it at exit. */
static __thread int thread_holds_reference;
/* 1 when this thread is counted in own_live. */
static __thread int thread_counted_live;

static inline char *thread_pointer(void)
{
    char *tp;
    __asm__ ("mov %%fs:0, %0" : "=r"(tp));
    return tp;
}

static inline struct ra_rseq_area *current_area(void)
{
    return (struct ra_rseq_area *)(thread_pointer() + __atomic_load_n(&ra_rseq_offset, __ATOMIC_ACQUIRE));
}

static int64_t own_area_offset(void)
{
    return (char *)&__rseq_abi - thread_pointer();
}

static int sys_rseq(struct ra_rseq_area *area, uint32_t len, int flags, uint32_t sig)
{
    return (int)syscall(__NR_rseq, area, len, flags, sig);
}

/* Bytes of struct rseq a thread may read under a registration whose owner publishes
 * `size` (glibc's __rseq_size or librseq's rseq_size). Both register at least the
 * original 32 bytes (20 and 32 are the historical values meaning exactly that; librseq
 * publishes 0 until its first registration), and a field counts only if the kernel's
 * feature size (0 before 6.3: the original 20) covers it too. */
static long usable_for(unsigned long size)
{
    long registered = size > RA_RSEQ_AREA_SIZE ? (long)size : RA_RSEQ_AREA_SIZE;
    long kernel = feature_size == 0 ? RA_ORIG_FEATURE_SIZE : feature_size;
    return registered < kernel ? registered : kernel;
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

/* pthread key destructor: runs at thread exit, before the thread's TLS goes away. The
 * live count drops only after the unregistration, so a switch that sees 0 cannot race
 * with a section on our area. */
static void on_thread_exit(void *unused)
{
    (void)unused;
    drop_reference();
    if (thread_counted_live) {
        thread_counted_live = 0;
        __atomic_fetch_sub(&own_live, 1, __ATOMIC_RELEASE);
    }
}

/* The library is linked -z nodelete, so this runs at process exit only; it still
 * drops the calling thread's reference as the refcount convention asks. */
__attribute__((destructor)) static void on_unload(void)
{
    drop_reference();
}

__attribute__((constructor)) static void on_load(void)
{
    unsigned int a, b, c, d;
    /* CPUID 0x80000001: EDX bit 27 is RDTSCP. */
    ra_has_rdtscp = __get_cpuid(0x80000001, &a, &b, &c, &d) && (d & (1u << 27));
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

/* ---- finding librseq ---------------------------------------------------------- */

static void *object_base(const void *p)
{
    Dl_info info;
    return p && dladdr(p, &info) ? info.dli_fbase : NULL;
}

/* librseq's four exported symbols, all from one object, after its constructor ran. */
static int librseq_symbols(void *handle, struct librseq_syms *out)
{
    struct librseq_syms s;
    s.offset = dlsym(handle, "rseq_offset");
    s.size = dlsym(handle, "rseq_size");
    s.flags = dlsym(handle, "rseq_flags");
    *(void **)&s.register_thread = dlsym(handle, "rseq_register_current_thread");
    if (!s.offset || !s.size || !s.flags || !s.register_thread)
        return 0;
    void *base = object_base(s.offset);
    if (!base || base != object_base(s.size) || base != object_base(s.flags)
        || base != object_base(*(void **)&s.register_thread))
        return 0;
    if (__atomic_load_n(s.size, __ATOMIC_ACQUIRE) == (unsigned int)-1)
        return 0;
    *out = s;
    return 1;
}

struct object_names {
    char **names;
    size_t count;
    size_t capacity;
};

static int collect_name(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct object_names *ns = data;
    if (!info->dlpi_name || !info->dlpi_name[0])
        return 0; /* the executable: RTLD_DEFAULT covers it */
    if (ns->count == ns->capacity) {
        size_t cap = ns->capacity ? ns->capacity * 2 : 64;
        char **grown = realloc(ns->names, cap * sizeof *grown);
        if (!grown)
            return 1;
        ns->names = grown;
        ns->capacity = cap;
    }
    char *copy = strdup(info->dlpi_name);
    if (copy)
        ns->names[ns->count++] = copy;
    return 0;
}

static int first_adds(struct dl_phdr_info *info, size_t size, void *data)
{
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs))
        *(unsigned long long *)data = info->dlpi_adds;
    return 1;
}

/* How many objects were ever loaded: a look-up is repeated only when this changed. */
static unsigned long long loaded_adds(void)
{
    unsigned long long adds = 0;
    dl_iterate_phdr(first_adds, &adds);
    return adds;
}

/*
 * Finds a librseq anywhere in the process. First the global scope (LD_PRELOAD, linked
 * by the executable, dlopen RTLD_GLOBAL); then every loaded object, because in a JVM
 * the usual way in is local: System.load and FFM's libraryLookup open libraries
 * RTLD_LOCAL, and a JNI library's own dependencies (librseq among them) stay out of
 * the global scope where dlsym(RTLD_DEFAULT) looks. The names are copied out of
 * dl_iterate_phdr before dlopen is called, which must not run inside its callback.
 * The object found is pinned (RTLD_NODELETE): we keep using its rseq_offset and its
 * TLS area. Call with attach_lock held.
 */
static int find_librseq(struct librseq_syms *out, char *path, size_t path_len)
{
    int found = librseq_symbols(RTLD_DEFAULT, out);
    if (!found) {
        struct object_names ns = { 0 };
        dl_iterate_phdr(collect_name, &ns);
        for (size_t i = 0; i < ns.count; i++) {
            if (!found) {
                void *h = dlopen(ns.names[i], RTLD_LAZY | RTLD_NOLOAD);
                if (h) {
                    found = librseq_symbols(h, out);
                    dlclose(h);
                }
            }
            free(ns.names[i]);
        }
        free(ns.names);
    }
    if (!found)
        return 0;
    Dl_info info;
    if (dladdr(out->offset, &info) && info.dli_fname) {
        snprintf(path, path_len, "%s", info.dli_fname);
        /* Not closed: the reference and RTLD_NODELETE keep the object mapped for good. */
        (void)dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
    }
    return 1;
}

/* Moves every later critical section to librseq's area. Safe only when no thread runs
 * on our own registration (own_live == 0, checked under attach_lock, which every new
 * own registration also holds): a section that loaded the old offset finds our area
 * unregistered (cpu_id < 0) and returns RA_NOT_REGISTERED without touching the slab. */
static void switch_to_librseq(int state)
{
    long usable = usable_for(*librseq.size);
    if (usable < usable_size) {
        /* The region index (mm_cid or cpu_id) was chosen for the old usable size. */
        librseq_state = RA_LIBRSEQ_BLOCKED;
        return;
    }
    __atomic_store_n(&ra_rseq_offset, *librseq.offset, __ATOMIC_RELEASE);
    __atomic_store_n(&strategy, RA_STRATEGY_LIBRSEQ, __ATOMIC_RELEASE);
    librseq_state = state;
}

/* Under OWN/UNREGISTERED, with attach_lock held: look for a librseq that appeared since
 * the last look, and adopt it when no thread runs on our registration. */
static void look_for_librseq_locked(int force)
{
    if (!librseq_found) {
        unsigned long long adds = loaded_adds();
        if (!force && adds == scanned_adds)
            return;
        scanned_adds = adds;
        if (!find_librseq(&librseq, librseq_path, sizeof librseq_path))
            return;
        librseq_found = 1;
        librseq_state = RA_LIBRSEQ_BLOCKED;
    }
    if (librseq_state == RA_LIBRSEQ_BLOCKED && __atomic_load_n(&own_live, __ATOMIC_ACQUIRE) == 0)
        switch_to_librseq(RA_LIBRSEQ_ADOPTED_LATE);
}

/* ---- process strategy ------------------------------------------------------------ */

int64_t ra_init(int32_t flags)
{
    if (__atomic_load_n(&initialized, __ATOMIC_ACQUIRE))
        return __atomic_load_n(&strategy, __ATOMIC_ACQUIRE);
    pthread_mutex_lock(&attach_lock);
    if (initialized) {
        pthread_mutex_unlock(&attach_lock);
        return strategy;
    }
    init_flags = flags;
    /* Looked up at run time, not linked: glibc before 2.35 has no such symbols. */
    const ptrdiff_t *glibc_offset = dlsym(RTLD_DEFAULT, "__rseq_offset");
    const unsigned int *glibc_size = dlsym(RTLD_DEFAULT, "__rseq_size");
    feature_size = (long)getauxval(AT_RSEQ_FEATURE_SIZE);
    feature_align = (long)getauxval(AT_RSEQ_ALIGN);
    glibc_rseq_size = glibc_size ? (long)*glibc_size : -1;

    int chosen;
    if (flags & RA_INIT_FORCE_CAS) {
        chosen = RA_STRATEGY_FORCED;
        ra_rseq_offset = own_area_offset(); /* never registered: sections refuse */
        usable_size = 0;
    } else if (glibc_size && glibc_offset && *glibc_size > 0) {
        chosen = RA_STRATEGY_GLIBC;
        ra_rseq_offset = *glibc_offset;
        usable_size = usable_for(*glibc_size);
    } else {
        pthread_key_create(&exit_key, on_thread_exit);
        scanned_adds = loaded_adds();
        if (find_librseq(&librseq, librseq_path, sizeof librseq_path)) {
            librseq_found = 1;
            librseq_state = RA_LIBRSEQ_ADOPTED;
            chosen = RA_STRATEGY_LIBRSEQ;
            ra_rseq_offset = *librseq.offset;
            usable_size = usable_for(*librseq.size);
        } else {
            chosen = flags & RA_INIT_NO_SELF_REGISTER ? RA_STRATEGY_UNREGISTERED : RA_STRATEGY_OWN;
            ra_rseq_offset = own_area_offset();
            usable_size = usable_for(RA_RSEQ_AREA_SIZE);
        }
    }
    __atomic_store_n(&strategy, chosen, __ATOMIC_RELEASE);

    if (syscall(__NR_membarrier, RA_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0)
        membarrier_errno = 0;
    else
        membarrier_errno = errno;
    __atomic_store_n(&initialized, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&attach_lock);
    return chosen;
}

int32_t ra_rescan_librseq(void)
{
    pthread_mutex_lock(&attach_lock);
    int s = strategy;
    if (initialized && (s == RA_STRATEGY_OWN || s == RA_STRATEGY_UNREGISTERED))
        look_for_librseq_locked(1);
    int state = librseq_state;
    pthread_mutex_unlock(&attach_lock);
    return state;
}

/* ---- thread modes ---------------------------------------------------------------- */

static void settle(int mode, int reason)
{
    thread_mode = mode;
    thread_reason = reason;
    thread_pending = 0;
}

static void pend(int reason)
{
    thread_mode = RA_MODE_CAS_UNREGISTERED;
    thread_reason = reason;
    thread_pending = 1;
}

static void refuse(int err, int reason_if_owned)
{
    /* EBUSY: this area is registered already; EINVAL: another area (or length) is;
     * EPERM: registered with another signature. All mean someone else owns rseq on
     * this thread. Anything else (ENOSYS from old kernels, seccomp, valgrind) means
     * rseq is unavailable. */
    thread_errno = err;
    if (err == EBUSY || err == EINVAL || err == EPERM)
        settle(RA_MODE_CAS_OWNED_ELSEWHERE, reason_if_owned);
    else
        settle(RA_MODE_CAS_UNAVAILABLE, RA_REASON_REGISTRATION_UNAVAILABLE);
}

static void count_live(void)
{
    __atomic_fetch_add(&own_live, 1, __ATOMIC_ACQ_REL);
    thread_counted_live = 1;
    pthread_setspecific(exit_key, (void *)1);
}

/* Strategy OWN, attach_lock held. */
static void attach_own_locked(void)
{
    struct ra_rseq_area *area = &__rseq_abi;
    if (area->cpu_id >= 0) {
        /* An early adopter sharing __rseq_abi registered it on this thread already. */
        if (__rseq_refcount > 0) {
            __rseq_refcount++;
            thread_holds_reference = 1;
        }
        count_live();
        settle(RA_MODE_RSEQ_OWN, RA_REASON_OWN_SHARED);
        return;
    }
    if (area->cpu_id != RA_CPU_ID_UNINITIALIZED || __rseq_refcount > 0) {
        settle(RA_MODE_CAS_OWNED_ELSEWHERE, RA_REASON_OWN_AREA_CLAIMED);
        return;
    }
    __rseq_refcount = 1; /* increment before registering: 0 -> 1 registers */
    if (sys_rseq(area, RA_RSEQ_AREA_SIZE, 0, RA_RSEQ_SIG) != 0) {
        int err = errno;
        __rseq_refcount = 0;
        refuse(err, RA_REASON_REGISTRATION_REFUSED);
        return;
    }
    __atomic_fetch_add(&own_registrations, 1, __ATOMIC_RELAXED);
    thread_holds_reference = 1;
    count_live();
    settle(RA_MODE_RSEQ_OWN, RA_REASON_OWN_REGISTERED);
}

/* Scratch area of registration_probe. Thread-local rather than on the stack: should the
 * unregistration ever fail, the kernel keeps writing into memory that stays valid. */
static __thread struct ra_rseq_area probe_area;

/* 0 when the calling thread has no rseq registration at all, else the errno that shows
 * one (EBUSY, EINVAL, EPERM) or that rseq is unavailable (ENOSYS...). The kernel has no
 * query, so this registers the scratch area and unregisters it again; while it is
 * registered nothing on this thread runs a critical section on it. */
static int registration_probe(void)
{
    probe_area.cpu_id = RA_CPU_ID_UNINITIALIZED;
    if (sys_rseq(&probe_area, RA_RSEQ_AREA_SIZE, 0, RA_RSEQ_SIG) != 0)
        return errno;
    if (sys_rseq(&probe_area, RA_RSEQ_AREA_SIZE, RA_RSEQ_FLAG_UNREGISTER, RA_RSEQ_SIG) != 0)
        return EBUSY; /* now registered to our scratch area: librseq must not try */
    return 0;
}

/*
 * Strategy LIBRSEQ. The thread runs rseq on librseq's area once someone registered it
 * there. Registering it ourselves through rseq_register_current_thread() is opt-in:
 * librseq's registration is once per thread, not idempotent, and aborts the process
 * when it fails after any thread succeeded; if we registered a thread first, its own
 * user's later call gets EBUSY and librseq aborts. When asked to, we first prove
 * that no other registration holds the thread, so that our call cannot fail either.
 */
static void attach_librseq(void)
{
    if (current_area()->cpu_id >= 0) {
        settle(RA_MODE_RSEQ_LIBRSEQ, thread_delegated ? RA_REASON_LIBRSEQ_DELEGATED : RA_REASON_LIBRSEQ_REGISTERED);
        return;
    }
    if (!(init_flags & RA_INIT_LIBRSEQ_REGISTER)) {
        pend(RA_REASON_LIBRSEQ_PENDING);
        return;
    }
    int err = registration_probe();
    if (err) {
        refuse(err, RA_REASON_REGISTRATION_REFUSED);
        return;
    }
    errno = 0;
    if (librseq.register_thread() != 0) {
        refuse(errno ? errno : EINVAL, RA_REASON_LIBRSEQ_FAILED);
        return;
    }
    if (current_area()->cpu_id < 0) {
        settle(RA_MODE_CAS_OWNED_ELSEWHERE, RA_REASON_LIBRSEQ_FAILED);
        return;
    }
    thread_delegated = 1;
    __atomic_fetch_add(&librseq_delegated, 1, __ATOMIC_RELAXED);
    settle(RA_MODE_RSEQ_LIBRSEQ, RA_REASON_LIBRSEQ_DELEGATED);
}

int32_t ra_attach_thread(void)
{
    if (thread_mode != RA_MODE_UNKNOWN && !thread_pending)
        return thread_mode;
    int s = __atomic_load_n(&strategy, __ATOMIC_ACQUIRE);
    if (thread_pending) {
        /* Cheap on purpose (the CAS path calls this often): no look-up, no lock. */
        if (s == RA_STRATEGY_LIBRSEQ)
            attach_librseq();
        return thread_mode;
    }
    switch (s) {
    case RA_STRATEGY_GLIBC: {
        int32_t cpu = current_area()->cpu_id;
        /* -2: glibc tried and failed on this thread; -1: glibc always registers at
         * thread start, so its area was unregistered by another component. */
        if (cpu >= 0)
            settle(RA_MODE_RSEQ_GLIBC, RA_REASON_GLIBC_REGISTERED);
        else if (cpu == RA_CPU_ID_REGISTRATION_FAILED)
            settle(RA_MODE_CAS_UNAVAILABLE, RA_REASON_GLIBC_FAILED);
        else
            settle(RA_MODE_CAS_OWNED_ELSEWHERE, RA_REASON_GLIBC_UNREGISTERED);
        break;
    }
    case RA_STRATEGY_LIBRSEQ:
        attach_librseq();
        break;
    case RA_STRATEGY_OWN:
    case RA_STRATEGY_UNREGISTERED:
        pthread_mutex_lock(&attach_lock);
        look_for_librseq_locked(0);
        s = strategy;
        if (s == RA_STRATEGY_LIBRSEQ) {
            pthread_mutex_unlock(&attach_lock);
            attach_librseq();
            break;
        }
        if (s == RA_STRATEGY_UNREGISTERED)
            pend(RA_REASON_SELF_REGISTER_OFF);
        else if (librseq_found)
            pend(RA_REASON_LIBRSEQ_LATE); /* never register a thread librseq may want */
        else
            attach_own_locked();
        pthread_mutex_unlock(&attach_lock);
        break;
    case RA_STRATEGY_FORCED:
        settle(RA_MODE_CAS_FORCED, RA_REASON_FORCED);
        break;
    default:
        break; /* ra_init not called: stay unknown */
    }
    return thread_mode;
}

int32_t ra_current_cpu(void)
{
    return current_area()->cpu_id;
}

const char *ra_librseq_path(void)
{
    return librseq_path[0] ? librseq_path : NULL;
}

/* Looks for librseq without adopting it (doctor): 1 when one is loaded now. Looks again
 * only when objects were loaded since the last look. */
static int librseq_present(void)
{
    static unsigned long long looked_at = (unsigned long long)-1;
    static int seen;
    pthread_mutex_lock(&attach_lock);
    if (!librseq_found) {
        unsigned long long adds = loaded_adds();
        if (adds != looked_at) {
            struct librseq_syms s;
            char path[sizeof librseq_path];
            seen = find_librseq(&s, path, sizeof path);
            if (seen && !librseq_path[0])
                memcpy(librseq_path, path, sizeof path);
            looked_at = adds;
        }
    }
    int found = librseq_found || seen;
    pthread_mutex_unlock(&attach_lock);
    return found;
}

int64_t ra_query(int32_t key)
{
    switch (key) {
    case RA_Q_STRATEGY: return __atomic_load_n(&strategy, __ATOMIC_ACQUIRE);
    case RA_Q_RSEQ_OFFSET: return __atomic_load_n(&ra_rseq_offset, __ATOMIC_ACQUIRE);
    case RA_Q_GLIBC_RSEQ_SIZE: return glibc_rseq_size;
    case RA_Q_FEATURE_SIZE: return feature_size;
    case RA_Q_USABLE_SIZE: return usable_size;
    case RA_Q_MM_CID_AVAILABLE: return usable_size >= RA_END_MM_CID;
    case RA_Q_THREAD_MODE: return thread_mode;
    case RA_Q_THREAD_ERRNO: return thread_errno;
    case RA_Q_CPU_ID: return current_area()->cpu_id;
    case RA_Q_MM_CID:
        return usable_size >= RA_END_MM_CID && current_area()->cpu_id >= 0
            ? (int64_t)current_area()->mm_cid : -1;
    case RA_Q_MEMBARRIER_ERRNO: return membarrier_errno;
    case RA_Q_ABORTS: {
        uint64_t sum = 0;
        for (int i = 0; i < RA_ABORT_SLOTS; i++)
            sum += __atomic_load_n(&ra_abort_counts[i * ABORT_STRIDE], __ATOMIC_RELAXED);
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
    case RA_Q_THREAD_REASON: return thread_reason;
    case RA_Q_LIBRSEQ_STATE: return librseq_state;
    case RA_Q_LIBRSEQ_PRESENT: return librseq_present();
    case RA_Q_LIBRSEQ_RSEQ_SIZE: return librseq_found ? (int64_t)*librseq.size : -1;
    case RA_Q_OWN_LIVE: return __atomic_load_n(&own_live, __ATOMIC_ACQUIRE);
    case RA_Q_LIBRSEQ_DELEGATED: return __atomic_load_n(&librseq_delegated, __ATOMIC_RELAXED);
    case RA_Q_INIT_FLAGS: return init_flags;
    case RA_Q_FEATURE_ALIGN: return feature_align;
    case RA_Q_HAS_RDTSCP: return ra_has_rdtscp;
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
    return RA_FENCE_MIGRATION;
}

/*
 * Aborts every critical section in flight on `cpu` (all cpus when cpu < 0) and makes
 * the caller's earlier stores visible to the sections that start afterwards.
 * Returns RA_FENCE_MEMBARRIER, RA_FENCE_MIGRATION (fallback) or -errno.
 */
int32_t ra_fence(int32_t cpu)
{
    if (membarrier_errno == 0) {
        long rc = cpu >= 0
            ? syscall(__NR_membarrier, RA_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, RA_MEMBARRIER_CMD_FLAG_CPU, cpu)
            : syscall(__NR_membarrier, RA_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0);
        if (rc == 0)
            return RA_FENCE_MEMBARRIER;
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
    return RA_FENCE_MIGRATION;
}
