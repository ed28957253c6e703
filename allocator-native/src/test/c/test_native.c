/*
 * Native tests of the critical sections and the coexistence layer, linked against the
 * delay-injecting build. build-native.sh runs them under glibc's registration, with it
 * off, under seccomp, and in the librseq scenarios below.
 * 1. Deterministic semantics on one pinned cpu: LIFO push/pop, full/empty, batches,
 *    grow/shrink, the stopped control word.
 * 2. Conservation under hostile scheduling: 8 x nproc threads move unique tokens
 *    between their hands and the slab while a chaos thread re-pins them across cpus;
 *    afterwards every token is found exactly once and aborts were counted.
 * 3. The contract table and ra_rdtscp.
 * 4. With the librseq-like test registrant (librseq_like.c), one scenario per process
 *    (argv[1]): librseq-preloaded, librseq-delegate (both under LD_PRELOAD),
 *    librseq-late PATH and librseq-late-own PATH (dlopen'ed RTLD_LOCAL after ra_init).
 *    The process must never abort: librseq aborts when its registration fails after
 *    another thread's succeeded, so an abort here is a coexistence bug.
 * Exit status 0 means every check passed.
 */
#define _GNU_SOURCE
#include "rseqalloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_rseq
#define __NR_rseq 334
#endif

#define NCLS 2
#define CAP 64
#define TOKENS_PER_THREAD 256
#define ITERATIONS 200000

static int failures;
/* Set in the librseq scenarios: every worker registers through librseq first, as a
 * librseq user's threads do. */
static int (*register_hook)(void);
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static long regions;
static uint64_t region_size;
static uint64_t *slab;
static int use_cid;

static uint64_t header(uint64_t begin, uint64_t current, uint64_t end)
{
    return current | (end << 16) | (begin << 32);
}

static uint64_t *region(long i) { return (uint64_t *)((char *)slab + i * region_size); }

static void init_slab(void)
{
    regions = ra_query(RA_Q_CPUS_CONFIGURED);
    region_size = ((1 + NCLS + NCLS * CAP) * 8 + 63) & ~63ul;
    slab = mmap(NULL, regions * region_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long r = 0; r < regions; r++)
        for (int c = 0; c < NCLS; c++) {
            uint64_t begin = 1 + NCLS + c * CAP;
            region(r)[1 + c] = header(begin, begin, begin + CAP);
        }
}

static int64_t pop(uint32_t c) { return use_cid ? ra_pop_cid((uint64_t)slab, region_size, c) : ra_pop_cpu((uint64_t)slab, region_size, c); }
static int64_t push(uint32_t c, uint64_t p) { return use_cid ? ra_push_cid((uint64_t)slab, region_size, c, p) : ra_push_cpu((uint64_t)slab, region_size, c, p); }
static int64_t pop_batch(uint32_t c, uint64_t *b, uint32_t n) { return use_cid ? ra_pop_batch_cid((uint64_t)slab, region_size, c, b, n) : ra_pop_batch_cpu((uint64_t)slab, region_size, c, b, n); }
static int64_t push_batch(uint32_t c, uint64_t *b, uint32_t n) { return use_cid ? ra_push_batch_cid((uint64_t)slab, region_size, c, b, n) : ra_push_batch_cpu((uint64_t)slab, region_size, c, b, n); }
static int64_t grow(uint32_t c, uint32_t d, uint32_t max) { return use_cid ? ra_grow_cid((uint64_t)slab, region_size, c, d, max) : ra_grow_cpu((uint64_t)slab, region_size, c, d, max); }
static int64_t shrink(uint32_t c, uint32_t d) { return use_cid ? ra_shrink_cid((uint64_t)slab, region_size, c, d) : ra_shrink_cpu((uint64_t)slab, region_size, c, d); }

static long current_index(void) { return use_cid ? ra_query(RA_Q_MM_CID) : ra_query(RA_Q_CPU_ID); }

/* The single-region checks; `index` is the region the calling thread was on when they began. */
static void semantics_on(long index)
{
    uint64_t *r = region(index);
    uint64_t begin = 1 + NCLS;

    CHECK(pop(0) == 0, "empty pop returns 0");
    for (uint64_t i = 1; i <= CAP; i++)
        CHECK(push(0, i * 16) == 1, "push %lu", i);
    CHECK(push(0, 9999) == 0, "push into a full class returns 0");
    CHECK((r[1] & 0xffff) == begin + CAP, "current after fill");
    for (uint64_t i = CAP; i >= 1; i--)
        CHECK(pop(0) == (int64_t)(i * 16), "LIFO pop %lu", i);
    CHECK(pop(0) == 0, "empty again");
    CHECK(pop(1) == 0, "class 1 untouched");

    uint64_t buf[100];
    for (int i = 0; i < 100; i++)
        buf[i] = 1000 + i;
    CHECK(push_batch(0, buf, 100) == CAP, "batch push stops at capacity");
    uint64_t out[100];
    CHECK(pop_batch(0, out, 10) == 10, "batch pop of 10");
    /* pushed buf[99], buf[98], ... buf[36]; newest is buf[36] */
    CHECK(out[0] == 1036 && out[9] == 1045, "batch pop is newest first: %lu %lu", out[0], out[9]);
    CHECK(pop_batch(0, out, 100) == CAP - 10, "batch pop drains the rest");
    CHECK(pop_batch(0, out, 100) == 0, "batch pop on empty");

    CHECK(shrink(0, 16) == 16, "shrink by 16");
    CHECK(((r[1] >> 16) & 0xffff) == begin + CAP - 16, "end after shrink");
    CHECK(push_batch(0, buf, 100) == CAP - 16, "capacity after shrink");
    CHECK(shrink(0, 5) == 0, "cannot shrink below current");
    CHECK(grow(0, 100, begin + CAP) == 16, "grow clamps at max_end");
    CHECK(pop_batch(0, out, 100) == CAP - 16, "drain");

    r[0] = 1; /* stopped */
    CHECK(push(0, 8) == RA_STOPPED, "stopped region refuses push");
    CHECK(pop(0) == RA_STOPPED, "stopped region refuses pop");
    CHECK(push_batch(0, buf, 4) == RA_STOPPED, "stopped region refuses batch push");
    r[0] = 0;
    CHECK(ra_noop() == 0, "noop");
}

/*
 * Pinned to the first cpu this process may use (a cpuset need not include cpu 0). Pinning
 * fixes cpu_id; mm_cid can still be compacted by the kernel while the thread is off-cpu,
 * so failures of a run whose index changed under it prove nothing and it runs again on a
 * fresh slab.
 */
static void test_semantics(void)
{
    cpu_set_t allowed, one;
    CHECK(sched_getaffinity(0, sizeof allowed, &allowed) == 0, "sched_getaffinity");
    int first = 0;
    while (first < CPU_SETSIZE - 1 && !CPU_ISSET(first, &allowed))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    CHECK(sched_setaffinity(0, sizeof one, &one) == 0, "pin to cpu %d", first);
    for (int attempt = 1; ; attempt++) {
        int before = failures;
        long index = current_index();
        semantics_on(index);
        if (failures == before || current_index() == index || attempt == 3)
            break;
        fprintf(stderr, "region changed from %ld to %ld during the run: repeated\n", index, current_index());
        failures = before;
        init_slab();
    }
    sched_setaffinity(0, sizeof allowed, &allowed);
}

struct worker {
    pthread_t thread;
    volatile pid_t tid; /* kernel id: re-pinning an exited thread then fails with ESRCH */
    uint64_t held[TOKENS_PER_THREAD * 64]; /* room for every token of 64 threads */
    int nheld;
    unsigned seed;
    int bad;
};

static struct worker *workers;
static int nworkers;
static volatile int stop_chaos;

static void *work(void *arg)
{
    struct worker *w = arg;
    w->tid = gettid();
    if (register_hook && register_hook() != 0)
        w->bad = 1;
    /* The caller's side of the protocol: a thread attaches (registering lazily in the
     * OWN strategy) before its first operation; the sections refuse until then. */
    int32_t mode = ra_attach_thread();
    if (mode != RA_MODE_RSEQ_GLIBC && mode != RA_MODE_RSEQ_OWN && mode != RA_MODE_RSEQ_LIBRSEQ)
        w->bad = 1;
    for (int it = 0; it < ITERATIONS && !w->bad; it++) {
        int op = rand_r(&w->seed) % 4;
        uint32_t cls = rand_r(&w->seed) % NCLS;
        int64_t rc;
        if (op == 0 && w->nheld > 0) {
            rc = push(cls, w->held[w->nheld - 1]);
            if (rc == 1) w->nheld--;
        } else if (op == 1 && w->nheld < TOKENS_PER_THREAD * 64) {
            rc = pop(cls);
            if (rc > 0) w->held[w->nheld++] = (uint64_t)rc;
        } else if (op == 2 && w->nheld > 0) {
            uint32_t n = 1 + rand_r(&w->seed) % (w->nheld < 32 ? w->nheld : 32);
            rc = push_batch(cls, w->held + w->nheld - n, n);
            if (rc >= 0) w->nheld -= (int)rc; /* pushed from the end */
        } else {
            uint32_t n = 1 + rand_r(&w->seed) % 32;
            if (w->nheld + (int)n > TOKENS_PER_THREAD * 64) continue;
            rc = pop_batch(cls, w->held + w->nheld, n);
            if (rc >= 0) w->nheld += (int)rc;
        }
        if (rc < 0) w->bad = 1;
    }
    return NULL;
}

static void *chaos(void *arg)
{
    (void)arg;
    unsigned seed = 7;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    while (!stop_chaos) {
        struct worker *w = &workers[rand_r(&seed) % nworkers];
        cpu_set_t set;
        CPU_ZERO(&set);
        if (rand_r(&seed) % 3 == 0)
            for (int c = 0; c < ncpu; c++) CPU_SET(c, &set);
        else
            CPU_SET(rand_r(&seed) % ncpu, &set);
        if (w->tid > 0)
            sched_setaffinity(w->tid, sizeof set, &set);
        usleep(50);
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_conservation(void)
{
    nworkers = (int)sysconf(_SC_NPROCESSORS_ONLN) * 8;
    if (nworkers > 64) nworkers = 64; /* held[] has room for 64 threads' tokens */
    workers = calloc(nworkers, sizeof *workers);
    for (int i = 0; i < nworkers; i++) {
        workers[i].seed = 1234 + i;
        for (int t = 0; t < TOKENS_PER_THREAD; t++)
            workers[i].held[t] = ((uint64_t)(i + 1) << 20) | (uint64_t)(t + 1) << 3;
        workers[i].nheld = TOKENS_PER_THREAD;
    }
    int64_t aborts_before = ra_query(RA_Q_ABORTS);
    ra_set_inject_delay(200);
    for (int i = 0; i < nworkers; i++)
        pthread_create(&workers[i].thread, NULL, work, &workers[i]);
    pthread_t chaos_thread;
    pthread_create(&chaos_thread, NULL, chaos, NULL);
    for (int i = 0; i < nworkers; i++)
        pthread_join(workers[i].thread, NULL);
    stop_chaos = 1;
    pthread_join(chaos_thread, NULL);
    ra_set_inject_delay(0);

    long total = (long)nworkers * TOKENS_PER_THREAD;
    uint64_t *all = malloc(total * 2 * sizeof *all);
    long n = 0;
    for (int i = 0; i < nworkers; i++) {
        CHECK(!workers[i].bad, "worker %d saw a negative result", i);
        for (int t = 0; t < workers[i].nheld && n < total * 2; t++)
            all[n++] = workers[i].held[t];
    }
    for (long r = 0; r < regions; r++)
        for (int c = 0; c < NCLS; c++) {
            uint64_t h = region(r)[1 + c];
            uint64_t cur = h & 0xffff, beg = (h >> 32) & 0xffff;
            for (uint64_t s = beg; s < cur && n < total * 2; s++)
                all[n++] = region(r)[s];
        }
    CHECK(n == total, "token count: expected %ld, found %ld", total, n);
    qsort(all, n, sizeof *all, cmp_u64);
    for (long i = 1; i < n; i++)
        CHECK(all[i] != all[i - 1], "token %lx duplicated", all[i]);
    long aborts = ra_query(RA_Q_ABORTS) - aborts_before;
    CHECK(aborts > 0, "aborts were forced (saw %ld)", aborts);
    printf("conservation (%s): %d threads, %ld tokens, %ld aborts\n", use_cid ? "mm_cid" : "cpu_id", nworkers, n, aborts);
    free(all);
    free(workers);
}

static int uses_rseq(int32_t mode)
{
    return mode == RA_MODE_RSEQ_GLIBC || mode == RA_MODE_RSEQ_OWN || mode == RA_MODE_RSEQ_LIBRSEQ;
}

static void test_slab_families(void)
{
    for (use_cid = 0; use_cid <= (int)ra_query(RA_Q_MM_CID_AVAILABLE); use_cid++) {
        init_slab(); /* a fresh slab: the previous run left its tokens in the old one */
        test_semantics();
        test_conservation();
    }
}

static int64_t contract_value(const char *name, int *found)
{
    *found = 0;
    for (const struct ra_contract_entry *e = ra_contract(); e->name; e++)
        if (strcmp(e->name, name) == 0) {
            *found = 1;
            return e->value;
        }
    return 0;
}

/* The table Java checks itself against: complete, unique, values as compiled. */
static void test_contract(void)
{
    int n = 0, found;
    for (const struct ra_contract_entry *e = ra_contract(); e->name; e++, n++)
        for (const struct ra_contract_entry *f = e + 1; f->name; f++)
            CHECK(strcmp(e->name, f->name) != 0, "contract name %s twice", e->name);
    CHECK(n >= 80, "contract has %d entries", n);
    CHECK(contract_value("RA_NOT_REGISTERED", &found) == -1 && found, "negative values keep their sign");
    CHECK(contract_value("RA_OFF_MM_CID", &found) == (int64_t)offsetof(struct ra_rseq_area, mm_cid) && found, "mm_cid offset");
    CHECK(contract_value("RA_Q_HAS_RDTSCP", &found) == RA_Q_HAS_RDTSCP && found, "last query key present");
    CHECK(contract_value("RA_RSEQ_SIG", &found) == 0x53053053 && found, "signature");
    contract_value("RA_NO_SUCH_NAME", &found);
    CHECK(!found, "unknown names are absent");
}

static void test_rdtscp(void)
{
    int64_t a = ra_rdtscp();
    volatile long spin = 0;
    for (int i = 0; i < 100000; i++)
        spin += i;
    int64_t b = ra_rdtscp();
    CHECK(a > 0 && b > a, "TSC advances: %ld then %ld", (long)a, (long)b);
    int64_t has = ra_query(RA_Q_HAS_RDTSCP);
    CHECK(has == 0 || has == 1, "rdtscp flag %ld", (long)has);
}

static int finish(void)
{
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures);
    return failures ? 1 : 0;
}

static int run_default(void)
{
    test_contract();
    test_rdtscp();
    int64_t strategy = ra_init(0);
    int32_t mode = ra_attach_thread();
    printf("strategy %ld, mode %d, usable size %ld, mm_cid %ld, membarrier errno %ld, inject %ld\n",
           (long)strategy, mode, (long)ra_query(RA_Q_USABLE_SIZE), (long)ra_query(RA_Q_MM_CID_AVAILABLE),
           (long)ra_query(RA_Q_MEMBARRIER_ERRNO), (long)ra_query(RA_Q_INJECT_DELAY));
    if (!uses_rseq(mode)) {
        printf("rseq is not usable here (mode %d): slab tests skipped\n", mode);
        CHECK(pop(0) == RA_NOT_REGISTERED || slab == NULL, "unregistered");
        return finish();
    }
    test_slab_families();
    if (ra_query(RA_Q_STRATEGY) == RA_STRATEGY_OWN)
        CHECK(ra_query(RA_Q_OWN_UNREGISTRATIONS) == ra_query(RA_Q_OWN_REGISTRATIONS) - 1,
              "every exited thread unregistered: %ld registrations, %ld unregistrations",
              (long)ra_query(RA_Q_OWN_REGISTRATIONS), (long)ra_query(RA_Q_OWN_UNREGISTRATIONS));
    CHECK(ra_fence(0) >= 0, "fence on cpu 0");
    CHECK(ra_fence(-1) >= 0, "fence on all cpus");
    return finish();
}

/* ---- librseq scenarios ------------------------------------------------------------ */

static int (*librseq_register)(void);
static const ptrdiff_t *librseq_offset;
static const unsigned int *librseq_size;

static int bind_librseq(void *handle)
{
    *(void **)&librseq_register = dlsym(handle, "rseq_register_current_thread");
    librseq_offset = dlsym(handle, "rseq_offset");
    librseq_size = dlsym(handle, "rseq_size");
    return librseq_register && librseq_offset && librseq_size;
}

static int glibc_registers(void)
{
    const unsigned int *size = dlsym(RTLD_DEFAULT, "__rseq_size");
    return size && *size > 0;
}

static void check_mode(int32_t mode, int32_t reason, const char *what)
{
    int32_t m = ra_attach_thread();
    int64_t r = ra_query(RA_Q_THREAD_REASON);
    CHECK(m == mode && r == reason, "%s: mode %d reason %ld, expected mode %d reason %d", what, m, (long)r, mode, reason);
}

typedef void (*thread_body)(void);

static void *run_body(void *arg)
{
    (*(thread_body *)arg)();
    return NULL;
}

static void on_new_thread(thread_body body)
{
    pthread_t t;
    pthread_create(&t, NULL, run_body, &body);
    pthread_join(t, NULL);
}

/* A component that insists on its own registration, with its own area and signature. */
static __thread struct ra_rseq_area foreign_area = { .cpu_id = RA_CPU_ID_UNINITIALIZED };

static void foreign_thread(void)
{
    CHECK(syscall(__NR_rseq, &foreign_area, RA_RSEQ_AREA_SIZE, 0, 0x0badc0de) == 0, "foreign registration");
    /* librseq has registered threads by now, so calling it here would abort: the probe
     * must see the foreign registration and keep us from calling it. */
    check_mode(RA_MODE_CAS_OWNED_ELSEWHERE, RA_REASON_REGISTRATION_REFUSED, "foreign thread under delegation");
    CHECK(ra_query(RA_Q_THREAD_ERRNO) == EINVAL, "the probe saw another area: errno %ld", (long)ra_query(RA_Q_THREAD_ERRNO));
}

static void librseq_first_thread(void)
{
    CHECK(librseq_register() == 0, "librseq registers a fresh thread");
    check_mode(RA_MODE_RSEQ_LIBRSEQ, RA_REASON_LIBRSEQ_REGISTERED, "librseq first");
}

/* LD_PRELOADed registrant: found in the global scope by ra_init. */
static int run_librseq_preloaded(int delegate)
{
    CHECK(bind_librseq(RTLD_DEFAULT), "registrant preloaded (LD_PRELOAD)");
    if (failures)
        return finish();
    int64_t strategy = ra_init(delegate ? RA_INIT_LIBRSEQ_REGISTER : 0);
    printf("librseq preloaded%s: strategy %ld, librseq state %ld, rseq_offset %ld, ours %ld\n",
           delegate ? " (delegating)" : "", (long)strategy, (long)ra_query(RA_Q_LIBRSEQ_STATE),
           (long)*librseq_offset, (long)ra_query(RA_Q_RSEQ_OFFSET));
    CHECK(ra_query(RA_Q_LIBRSEQ_PRESENT) == 1, "present");
    CHECK(*librseq_offset == ra_query(RA_Q_RSEQ_OFFSET), "one area: librseq's offset is ours");
    if (glibc_registers()) {
        CHECK(strategy == RA_STRATEGY_GLIBC, "glibc owns registration");
        CHECK(librseq_register() == 0 && librseq_register() == 0, "librseq treats glibc's ownership as success");
        check_mode(RA_MODE_RSEQ_GLIBC, RA_REASON_GLIBC_REGISTERED, "glibc's area");
        return finish();
    }
    CHECK(strategy == RA_STRATEGY_LIBRSEQ, "librseq owns registration");
    CHECK(ra_query(RA_Q_LIBRSEQ_STATE) == RA_LIBRSEQ_ADOPTED, "adopted at init");
    init_slab();
    if (delegate) {
        check_mode(RA_MODE_RSEQ_LIBRSEQ, RA_REASON_LIBRSEQ_DELEGATED, "registered through librseq");
        CHECK(ra_query(RA_Q_LIBRSEQ_DELEGATED) == 1 && *librseq_size > 0, "one delegated registration");
        on_new_thread(foreign_thread);
    } else {
        /* Ours first: we must not register, so librseq's later call succeeds. */
        check_mode(RA_MODE_CAS_UNREGISTERED, RA_REASON_LIBRSEQ_PENDING, "ours first");
        CHECK(pop(0) == RA_NOT_REGISTERED, "sections refuse until librseq registered the thread");
        CHECK(librseq_register() == 0, "librseq registers after us");
        check_mode(RA_MODE_RSEQ_LIBRSEQ, RA_REASON_LIBRSEQ_REGISTERED, "ours first, re-checked");
        CHECK(ra_query(RA_Q_LIBRSEQ_DELEGATED) == 0, "nothing delegated");
        on_new_thread(librseq_first_thread);
        register_hook = librseq_register;
    }
    if (delegate) {
        /* Conservation on librseq's area ran in librseq-preloaded; here the semantics. */
        for (use_cid = 0; use_cid <= (int)ra_query(RA_Q_MM_CID_AVAILABLE); use_cid++) {
            init_slab();
            test_semantics();
        }
    } else {
        test_slab_families();
    }
    return finish();
}

/* Steps of the late-librseq scenario with our own registrations, in this order. */
enum { STEP_START, STEP_A_REGISTERED, STEP_LOADED, STEP_B_BLOCKED, STEP_A_DONE, STEP_SWITCHED, STEP_B_DONE };
static int step;

static void wait_step(int s)
{
    while (__atomic_load_n(&step, __ATOMIC_ACQUIRE) < s)
        usleep(1000);
}

static void set_step(int s)
{
    __atomic_store_n(&step, s, __ATOMIC_RELEASE);
}

/* A: registered by us before librseq came. */
static void *thread_a(void *arg)
{
    (void)arg;
    check_mode(RA_MODE_RSEQ_OWN, RA_REASON_OWN_REGISTERED, "A, registered by us before the load");
    set_step(STEP_A_REGISTERED);
    wait_step(STEP_B_BLOCKED);
    /* librseq on a thread we registered: EINVAL. While librseq has registered nobody it
     * returns -1; after that it would abort, which is why docs/coexistence.md says to
     * turn self-registration off when librseq comes later. */
    errno = 0;
    CHECK(librseq_register() == -1 && errno == EINVAL, "librseq refused on our thread (errno %d)", errno);
    return NULL; /* exit: our registration ends, own_live drops to 0 */
}

/* B: first attach after the load while A still runs on our registration. */
static void *thread_b(void *arg)
{
    (void)arg;
    wait_step(STEP_LOADED);
    check_mode(RA_MODE_CAS_UNREGISTERED, RA_REASON_LIBRSEQ_LATE, "B, new thread while our registration lives");
    CHECK(ra_query(RA_Q_LIBRSEQ_STATE) == RA_LIBRSEQ_BLOCKED, "blocked by a live own registration");
    CHECK(ra_query(RA_Q_OWN_REGISTRATIONS) == 1, "we did not register B");
    set_step(STEP_B_BLOCKED);
    wait_step(STEP_SWITCHED);
    CHECK(librseq_register() == 0, "librseq registers B: we never did");
    check_mode(RA_MODE_RSEQ_LIBRSEQ, RA_REASON_LIBRSEQ_REGISTERED, "B re-checked after the switch");
    set_step(STEP_B_DONE);
    return NULL;
}

/* C: first attach after A exited. */
static void late_thread_adopted(void)
{
    check_mode(RA_MODE_CAS_UNREGISTERED, RA_REASON_LIBRSEQ_PENDING, "first attach after the switch");
    CHECK(ra_query(RA_Q_LIBRSEQ_STATE) == RA_LIBRSEQ_ADOPTED_LATE, "switched once no own registration was live");
    CHECK(ra_query(RA_Q_RSEQ_OFFSET) == *librseq_offset, "sections now read librseq's area");
    CHECK(librseq_register() == 0, "librseq registers it");
    check_mode(RA_MODE_RSEQ_LIBRSEQ, RA_REASON_LIBRSEQ_REGISTERED, "then it runs rseq");
    init_slab();
    use_cid = 0;
    test_semantics();
}

/* Registrant dlopen'ed RTLD_LOCAL after ra_init: not in the global scope. */
static void *load_late(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    CHECK(h != NULL, "dlopen %s: %s", path, h ? "" : dlerror());
    CHECK(dlsym(RTLD_DEFAULT, "rseq_register_current_thread") == NULL, "loaded locally: invisible to RTLD_DEFAULT");
    CHECK(h && bind_librseq(h), "registrant symbols");
    return h;
}

static int run_librseq_late(const char *path, int self_register)
{
    if (glibc_registers()) {
        printf("glibc registers rseq here: the late-librseq scenario needs GLIBC_TUNABLES=glibc.pthread.rseq=0\n");
        return 1;
    }
    int64_t strategy = ra_init(self_register ? 0 : RA_INIT_NO_SELF_REGISTER);
    if (!self_register) {
        CHECK(strategy == RA_STRATEGY_UNREGISTERED, "self-registration off: strategy %ld", (long)strategy);
        check_mode(RA_MODE_CAS_UNREGISTERED, RA_REASON_SELF_REGISTER_OFF, "nobody registers");
        if (!load_late(path))
            return finish();
        on_new_thread(late_thread_adopted);
        /* The main thread attached before the load: re-checked, it follows once librseq
         * registered it. */
        check_mode(RA_MODE_CAS_UNREGISTERED, RA_REASON_LIBRSEQ_PENDING, "main before librseq registered it");
        CHECK(librseq_register() == 0, "librseq registers main");
        check_mode(RA_MODE_RSEQ_LIBRSEQ, RA_REASON_LIBRSEQ_REGISTERED, "main after");
        printf("librseq late, self-registration off: adopted, state %ld\n", (long)ra_query(RA_Q_LIBRSEQ_STATE));
        return finish();
    }
    CHECK(strategy == RA_STRATEGY_OWN, "strategy %ld", (long)strategy);
    pthread_t a, b;
    pthread_create(&a, NULL, thread_a, NULL);
    pthread_create(&b, NULL, thread_b, NULL);
    wait_step(STEP_A_REGISTERED);
    if (!load_late(path))
        return finish();
    set_step(STEP_LOADED);
    pthread_join(a, NULL);
    CHECK(ra_query(RA_Q_OWN_LIVE) == 0, "A's registration ended with it");
    set_step(STEP_A_DONE);
    on_new_thread(late_thread_adopted);
    set_step(STEP_SWITCHED);
    pthread_join(b, NULL);
    printf("librseq late with an own registration: state %ld\n", (long)ra_query(RA_Q_LIBRSEQ_STATE));
    return finish();
}

int main(int argc, char **argv)
{
    const char *scenario = argc > 1 ? argv[1] : "default";
    if (strcmp(scenario, "default") == 0)
        return run_default();
    if (strcmp(scenario, "librseq-preloaded") == 0)
        return run_librseq_preloaded(0);
    if (strcmp(scenario, "librseq-delegate") == 0)
        return run_librseq_preloaded(1);
    if (strcmp(scenario, "librseq-late") == 0 && argc > 2)
        return run_librseq_late(argv[2], 0);
    if (strcmp(scenario, "librseq-late-own") == 0 && argc > 2)
        return run_librseq_late(argv[2], 1);
    fprintf(stderr, "usage: %s [default | librseq-preloaded | librseq-delegate | librseq-late PATH | librseq-late-own PATH]\n", argv[0]);
    return 2;
}
