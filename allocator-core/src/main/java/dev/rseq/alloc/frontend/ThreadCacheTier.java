package dev.rseq.alloc.frontend;

import dev.rseq.alloc.central.CentralCache;
import dev.rseq.alloc.jfr.ThreadCacheRefillEvent;
import dev.rseq.alloc.jfr.ThreadCacheSpillEvent;
import dev.rseq.alloc.percpu.Batch;
import dev.rseq.alloc.percpu.PerCpuRouter;
import dev.rseq.alloc.percpu.PerCpuTier;
import dev.rseq.alloc.rseq.RseqMode;
import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stats.TierStats;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The front end: a cache of free blocks per OS thread (a platform thread, or the carrier
 * of a virtual thread), in front of the per-CPU tier. A hit is a table lookup and a stack
 * push or pop on memory only the caller's OS thread touches: no downcall, no atomic.
 *
 * <p>This class owns every policy of the tier: installing a cache (adopting a dead
 * thread's, so thread pools that replace threads keep warm caches), growing a class on a
 * miss under the byte {@linkplain CacheBudget budget}, refilling and spilling in batches
 * through the per-CPU tier, shrinking when another cache stole allowance, and flushing
 * the caches of dead threads.
 *
 * <p>The rule that keeps carrier caches correct for virtual threads (see {@link
 * CarrierThreads}): a miss path first finishes every change to the cache without any
 * point where the thread could block, then calls the tiers below (which may block) with
 * buffers it owns, and looks the carrier's cache up again before touching a cache once
 * more.
 */
public final class ThreadCacheTier {
    private final SizeClasses sizes;
    private final CacheSizing sizing;
    private final ThreadCacheTable caches;
    private final CacheBudget budget;
    private final PerCpuRouter tiers;
    private final CentralCache central;
    private final AtomicLong adopted = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();
    /** Hits, refills and spills of caches already reclaimed, so totals never go back. */
    private final long[] retiredHits;

    private final long[] retiredRefills;
    private final long[] retiredSpills;
    private volatile boolean closed;

    /**
     * @param budgetBytes   capacity all thread caches may hold together
     * @param perCacheBytes capacity one thread cache may hold
     */
    public ThreadCacheTier(
            SizeClasses sizes, PerCpuRouter tiers, CentralCache central, long budgetBytes, long perCacheBytes) {
        this.sizes = sizes;
        this.sizing = new CacheSizing(sizes);
        this.caches = new ThreadCacheTable(sizes.count());
        this.budget = new CacheBudget(budgetBytes, perCacheBytes, caches);
        this.tiers = tiers;
        this.central = central;
        this.retiredHits = new long[sizes.count()];
        this.retiredRefills = new long[sizes.count()];
        this.retiredSpills = new long[sizes.count()];
    }

    // ------------------------------------------------------------------ hit paths

    /** A block of class {@code c}: the table's hit path, else the slow path. */
    public long allocate(int c) {
        long p = caches.pop(c);
        return p != 0 ? p : allocateSlow(c);
    }

    /** Takes back a block of class {@code c} (already validated by the caller). */
    public void free(int c, long block) {
        if (!caches.push(c, block)) {
            freeSlow(c, block);
        }
    }

    /** The table whose {@link ThreadCacheTable#pop}/{@link ThreadCacheTable#push} are this tier's hit path. */
    public ThreadCacheTable table() {
        return caches;
    }

    // ----------------------------------------------------------------- miss paths

    /** The allocation after {@link ThreadCacheTable#pop} missed: refills, grows or goes below. */
    public long allocateSlow(int c) {
        ThreadCache tc = cacheOfCurrentThread();
        if (tc == null) {
            return tiers.direct().pop(c);
        }
        if (tc.adoptTries > 0) {
            adoptLate(tc);
        }
        long p = tc.pop(c);
        if (p != 0) {
            return p;
        }
        Pending trim = trimIfStolen(tc, c);
        int cap = growIfAllowed(tc, c);
        if (cap == 0) {
            finish(trim);
            return tc.tier.pop(c);
        }
        int k = CacheSizing.refillCount(cap);
        tc.refills[c]++;
        Batch b = tc.borrow(k);
        PerCpuTier tier = tc.tier;
        // From here on the tiers may block: tc is not touched again on this path.
        finish(trim);
        ThreadCacheRefillEvent event = new ThreadCacheRefillEvent();
        event.begin();
        tier.refill(c, b, k);
        event.end();
        if (event.shouldCommit()) {
            event.sizeClass = c;
            event.blockSize = sizes.size(c);
            event.blocks = k;
            event.commit();
        }
        p = b.slots[k - 1];
        keep(c, b, k - 1);
        return p;
    }

    /** The free after {@link ThreadCacheTable#push} missed: grows, spills or goes below. */
    public void freeSlow(int c, long block) {
        ThreadCache tc = cacheOfCurrentThread();
        if (tc == null) {
            tiers.direct().push(c, block);
            return;
        }
        if (tc.adoptTries > 0) {
            adoptLate(tc);
        }
        if (tc.push(c, block)) {
            return;
        }
        Pending trim = trimIfStolen(tc, c);
        int cap = growIfAllowed(tc, c);
        if (tc.push(c, block)) {
            finish(trim);
            return;
        }
        if (cap == 0) {
            finish(trim);
            tc.tier.push(c, block);
            return;
        }
        // Full at the largest capacity the budget allows: the oldest half goes down (the
        // newest blocks stay, cache-warm).
        int k = Math.max(1, cap / 2);
        tc.spills[c]++;
        Batch b = tc.borrow(k);
        tc.takeOldest(c, b.slots, k);
        tc.push(c, block);
        PerCpuTier tier = tc.tier;
        // From here on the tiers may block: tc is not touched again on this path.
        finish(trim);
        ThreadCacheSpillEvent event = new ThreadCacheSpillEvent();
        event.begin();
        tier.spill(c, b, k);
        event.end();
        if (event.shouldCommit()) {
            event.sizeClass = c;
            event.blockSize = sizes.size(c);
            event.blocks = k;
            event.commit();
        }
        giveBackScratch(b);
    }

    /**
     * Puts {@code b.slots[0 .. n)} into the cache of the OS thread running the caller now
     * (a virtual thread may have come back on another carrier), spilling what does not fit.
     */
    private void keep(int c, Batch b, int n) {
        ThreadCache now = caches.find(CarrierThreads.current());
        int put = now == null ? 0 : now.pushAll(c, b.slots, 0, n);
        if (put < n) {
            System.arraycopy(b.slots, put, b.slots, 0, n - put);
            (now == null ? tiers.direct() : now.tier).spill(c, b, n - put);
        }
        if (now != null) {
            now.giveBack(b);
        }
    }

    private void giveBackScratch(Batch b) {
        ThreadCache now = caches.find(CarrierThreads.current());
        if (now != null) {
            now.giveBack(b);
        }
    }

    /**
     * Doubles class {@code c}'s capacity when the sizing and the budget allow.
     *
     * @return the capacity now
     */
    private int growIfAllowed(ThreadCache tc, int c) {
        int cap = tc.capacity(c);
        int target = sizing.grown(c, cap);
        if (target <= cap) {
            return cap;
        }
        if (tc.claimBackoff > 0) {
            tc.claimBackoff--;
            return cap;
        }
        int size = sizes.size(c);
        CacheBudget.Claim claim = budget.claim(tc, (long) (target - cap) * size);
        if (claim == CacheBudget.Claim.GRANTED && resize(tc, c, target, size)) {
            tc.claimFailures = 0;
            return target;
        }
        if (claim == CacheBudget.Claim.PENDING) {
            // Other caches were asked to give allowance back: look again soon.
            tc.claimBackoff = PENDING_BACKOFF;
            return cap;
        }
        // The budget is spent: keep working at this capacity and look again only after
        // 2, 4, ... 1,024 more growth attempts. Claiming on every miss (a CAS on the shared
        // pool, then a scan and CASes on other caches' allowance) cost more than the misses
        // it served: 16 threads of mixed-size churn ran at 6.5 M ops/s with the default
        // budget, 84 M with a budget that never ran out.
        tc.claimFailures = Math.min(tc.claimFailures + 1, MAX_CLAIM_BACKOFF_SHIFT);
        tc.claimBackoff = 1 << tc.claimFailures;
        return cap;
    }

    /** Growth attempts skipped after asking other caches for allowance: time for them to trim. */
    private static final int PENDING_BACKOFF = 8;

    /**
     * Changes a class's capacity in a new array, which its owner's hit path then finds.
     *
     * @return false when a growth lost the allowance it needed to a thief (nothing changed)
     */
    private boolean resize(ThreadCache tc, int c, int capacity, int objectSize) {
        if (!tc.resize(c, capacity, objectSize)) {
            return false;
        }
        caches.publishHot(tc);
        return true;
    }

    /** The longest pause between claims of a cache whose claims fail: 2^10 growth attempts. */
    private static final int MAX_CLAIM_BACKOFF_SHIFT = 10;

    /** Blocks taken out of a cache that still have to go down (after the cache is settled). */
    private record Pending(PerCpuTier tier, int sizeClass, Batch batch, int count) {}

    /**
     * When thieves took allowance so that the cache's capacity exceeds it, halves the largest
     * other class and returns its excess blocks for the caller to send down once it no
     * longer touches the cache. One class per miss: the cache converges over a few misses.
     */
    private Pending trimIfStolen(ThreadCache tc, int missing) {
        if (tc.capacityBytes <= tc.allowance()) {
            releaseOwed(tc);
            return null;
        }
        int victim = -1;
        long most = 0;
        for (int c = 1; c < sizes.count(); c++) {
            long bytes = (long) tc.capacity(c) * sizes.size(c);
            if (c != missing && bytes > most) {
                victim = c;
                most = bytes;
            }
        }
        if (victim < 0 && tc.capacity(missing) > 0) {
            victim = missing; // the only class with capacity: it gives way too
        }
        if (victim < 0) {
            return null;
        }
        int newCap = tc.capacity(victim) / 2;
        int excess = Math.max(0, tc.count(victim) - newCap);
        Batch b = null;
        if (excess > 0) {
            b = new Batch(excess);
            tc.takeOldest(victim, b.slots, excess);
        }
        resize(tc, victim, newCap, sizes.size(victim));
        if (tc.capacityBytes <= tc.allowance()) {
            releaseOwed(tc);
        }
        return b == null ? null : new Pending(tc.tier, victim, b, excess);
    }

    /** Once a cache's capacity fits its allowance, what fair-share steals asked of it goes back to the pool. */
    private void releaseOwed(ThreadCache tc) {
        budget.releaseOwed(tc.takeOwed());
    }

    private static void finish(Pending p) {
        if (p != null) {
            p.tier().spill(p.sizeClass(), p.batch(), p.count());
        }
    }

    /** The cache of the OS thread running the caller, installing one; null when it gets none. */
    private ThreadCache cacheOfCurrentThread() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
        Thread t = CarrierThreads.current();
        ThreadCache tc = caches.find(t);
        if (tc != null) {
            caches.publishHot(tc); // the hit path may have missed on a stale slot
            return tc;
        }
        if (t.isVirtual()) {
            return null; // carriers are not reachable: virtual threads take the direct path
        }
        RseqMode mode = tiers.attachCurrentThread();
        PerCpuTier tier = tiers.forMode(mode);
        boolean[] wasAdopted = {false};
        tc = caches.install(
                t,
                dead -> new ThreadCache(t, dead, tier, mode.label()),
                owner -> new ThreadCache(owner, sizes.count(), tier, mode.label()),
                wasAdopted);
        if (wasAdopted[0]) {
            adopted.incrementAndGet();
        } else if (tc != null) {
            tc.adoptTries = ADOPT_TRIES;
        }
        if (tc != null && tc.owner != CarrierThreads.current()) {
            // A virtual thread that waited for the table's monitor resumed on another
            // carrier: the cache installed is not this OS thread's. Look again.
            return cacheOfCurrentThread();
        }
        return tc;
    }

    /** Misses on which a freshly made cache looks for a dead thread's cache to take over. */
    private static final int ADOPT_TRIES = 64;

    /**
     * A fresh cache takes over a dead thread's cache found since its install: the dead one's
     * allowance, capacities and blocks move in (what does not fit goes to the central tier),
     * so a thread started just before its predecessor ended still inherits a warm cache
     * instead of refilling from cold while those blocks sit idle. Only platform threads do
     * this: it changes the cache before its only blocking step (the central inserts at the end),
     * after which the caller's tc is still its own.
     */
    private void adoptLate(ThreadCache tc) {
        tc.adoptTries--;
        if (Thread.currentThread().isVirtual()) {
            return;
        }
        ThreadCache dead = caches.takeDead();
        if (dead == null) {
            return;
        }
        tc.adoptTries = 0;
        retireCounters(dead);
        tc.addAllowance(dead.allowance());
        budget.releaseOwed(dead.takeOwed()); // the dead cache's capacity goes away with it
        List<long[]> leftovers = new java.util.ArrayList<>();
        for (int c = 1; c < sizes.count(); c++) {
            int n = dead.count(c);
            if (n == 0) {
                continue;
            }
            int size = sizes.size(c);
            int want = Math.max(tc.capacity(c), dead.capacity(c));
            if (want > tc.capacity(c)) {
                resize(tc, c, want, size); // refused when the allowance does not cover it
            }
            long[] blocks = new long[n];
            dead.takeNewest(c, blocks, n);
            int put = tc.pushAll(c, blocks, 0, n);
            if (put < n) {
                long[] rest = java.util.Arrays.copyOfRange(blocks, put, n);
                leftovers.add(new long[] {c});
                leftovers.add(rest);
            }
        }
        adopted.incrementAndGet();
        for (int i = 0; i < leftovers.size(); i += 2) {
            long[] rest = leftovers.get(i + 1);
            central.insert((int) leftovers.get(i)[0], rest, 0, rest.length);
        }
    }

    /** Adds a cache's counters to the totals of caches gone, before it leaves the table. */
    private synchronized void retireCounters(ThreadCache tc) {
        for (int c = 1; c < sizes.count(); c++) {
            retiredHits[c] += tc.hits(c);
            retiredRefills[c] += tc.refills[c];
            retiredSpills[c] += tc.spills[c];
        }
    }

    // ------------------------------------------------------------- maintenance

    /** Flushes the caches of dead threads into the central tier; returns how many. */
    public int reclaimDead() {
        List<ThreadCache> dead = caches.removeDead();
        RuntimeException problem = null;
        for (ThreadCache tc : dead) {
            try {
                flush(tc);
            } catch (RuntimeException e) {
                problem = problem == null ? e : problem;
            }
        }
        if (problem != null) {
            throw problem;
        }
        return dead.size();
    }

    /**
     * Flushes the cache of the OS thread running the caller (its own blocks go back to the
     * central tier, so releaseMemory can return them to the OS).
     */
    public void flushCurrentThread() {
        ThreadCache tc = caches.find(CarrierThreads.current());
        if (tc != null && caches.remove(tc)) {
            tc.retire();
            flush(tc);
        }
    }

    /**
     * Moves every block of a cache nobody else can use any more (dead owner, or removed
     * from the table by its own thread) to the central tier and returns its allowance.
     * Blocks leave the stacks before the inserts run, so an insert that throws on an
     * invalid block leaves nothing counted twice.
     */
    private void flush(ThreadCache tc) {
        retireCounters(tc);
        RuntimeException problem = null;
        for (int c = 1; c < sizes.count(); c++) {
            int n = tc.count(c);
            if (n == 0) {
                continue;
            }
            long[] out = new long[n];
            tc.takeNewest(c, out, n);
            try {
                central.insert(c, out, 0, n);
            } catch (RuntimeException e) {
                problem = problem == null ? e : problem;
            }
        }
        budget.release(tc.allowance());
        budget.releaseOwed(tc.takeOwed());
        reclaimed.incrementAndGet();
        if (problem != null) {
            throw problem;
        }
    }

    /** After close: every miss path throws; hits fail on the closed heap segment. */
    public void close() {
        closed = true;
    }

    public boolean carriersAvailable() {
        return CarrierThreads.available();
    }

    public void collect(TierStats stats) {
        int count = 0;
        int dead = 0;
        for (ThreadCache tc : caches.snapshot()) {
            count++;
            if (tc.ownerDead()) {
                dead++;
            }
            stats.countCacheMode(tc.mode);
            for (int c = 1; c < sizes.count(); c++) {
                stats.add(TierStats.PerClass.THREAD_CACHE_OBJECTS, c, tc.count(c));
                stats.add(TierStats.PerClass.THREAD_CACHE_CAPACITY, c, tc.capacity(c));
                stats.add(TierStats.PerClass.THREAD_CACHE_HITS, c, tc.hits(c));
                stats.add(TierStats.PerClass.THREAD_CACHE_REFILLS, c, tc.refills[c]);
                stats.add(TierStats.PerClass.THREAD_CACHE_SPILLS, c, tc.spills[c]);
            }
        }
        synchronized (this) {
            for (int c = 1; c < sizes.count(); c++) {
                stats.add(TierStats.PerClass.THREAD_CACHE_HITS, c, retiredHits[c]);
                stats.add(TierStats.PerClass.THREAD_CACHE_REFILLS, c, retiredRefills[c]);
                stats.add(TierStats.PerClass.THREAD_CACHE_SPILLS, c, retiredSpills[c]);
            }
        }
        stats.add(TierStats.Scalar.THREAD_CACHES, count);
        stats.add(TierStats.Scalar.DEAD_THREAD_CACHES, dead);
        stats.add(TierStats.Scalar.THREAD_CACHE_BUDGET, budget.total());
        stats.add(TierStats.Scalar.THREAD_CACHE_CLAIMED, budget.claimed());
        stats.add(TierStats.Scalar.BUDGET_STEALS, budget.steals() + budget.fairShareSteals());
        stats.add(TierStats.Scalar.THREAD_CACHES_ADOPTED, adopted.get());
        stats.add(TierStats.Scalar.THREAD_CACHES_RECLAIMED, reclaimed.get());
    }
}
