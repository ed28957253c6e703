/*
 * Native tests of the critical sections, linked against the delay-injecting build.
 * 1. Deterministic semantics on one pinned cpu: LIFO push/pop, full/empty, batches,
 *    grow/shrink, the stopped control word.
 * 2. Conservation under hostile scheduling: 8 x nproc threads move unique tokens
 *    between their hands and the slab while a chaos thread re-pins them across cpus;
 *    afterwards every token is found exactly once and aborts were counted.
 * Exit status 0 means every check passed.
 */
#define _GNU_SOURCE
#include "rseqalloc.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NCLS 2
#define CAP 64
#define TOKENS_PER_THREAD 256
#define ITERATIONS 200000

static int failures;
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
    /* The caller's side of the protocol: a thread attaches (registering lazily in the
     * OWN strategy) before its first operation; the sections refuse until then. */
    int32_t mode = ra_attach_thread();
    if (mode != RA_MODE_RSEQ_GLIBC && mode != RA_MODE_RSEQ_OWN)
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

int main(void)
{
    int64_t strategy = ra_init(0);
    int32_t mode = ra_attach_thread();
    printf("strategy %ld, mode %d, usable size %ld, mm_cid %ld, membarrier errno %ld, inject %ld\n",
           (long)strategy, mode, (long)ra_query(RA_Q_USABLE_SIZE), (long)ra_query(RA_Q_MM_CID_AVAILABLE),
           (long)ra_query(RA_Q_MEMBARRIER_ERRNO), (long)ra_query(RA_Q_INJECT_DELAY));
    if (mode != RA_MODE_RSEQ_GLIBC && mode != RA_MODE_RSEQ_OWN) {
        printf("rseq is not usable here (mode %d): slab tests skipped\n", mode);
        CHECK(pop(0) == RA_NOT_REGISTERED || slab == NULL, "unregistered");
        return failures ? 1 : 0;
    }
    for (use_cid = 0; use_cid <= (int)ra_query(RA_Q_MM_CID_AVAILABLE); use_cid++) {
        init_slab(); /* a fresh slab: the previous run left its tokens in the old one */
        test_semantics();
        test_conservation();
    }
    if (ra_query(RA_Q_STRATEGY) == RA_STRATEGY_OWN)
        CHECK(ra_query(RA_Q_OWN_UNREGISTRATIONS) == ra_query(RA_Q_OWN_REGISTRATIONS) - 1,
              "every exited thread unregistered: %ld registrations, %ld unregistrations",
              (long)ra_query(RA_Q_OWN_REGISTRATIONS), (long)ra_query(RA_Q_OWN_UNREGISTRATIONS));
    CHECK(ra_fence(0) >= 0, "fence on cpu 0");
    CHECK(ra_fence(-1) >= 0, "fence on all cpus");
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures);
    return failures ? 1 : 0;
}
