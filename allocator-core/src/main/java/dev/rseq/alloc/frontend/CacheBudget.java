package dev.rseq.alloc.frontend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes all thread caches together may hold as capacity (gperftools' overall thread
 * cache size): the front end never caches more than this, whatever the number of threads.
 * A cache claims allowance as its classes grow (a little at first, then in proportion to
 * what it already holds, up to {@link #CHUNK} at a time) and gives all of it back when it
 * is reclaimed; an adopted cache keeps it.
 *
 * <p>When the pool is dry a growing cache takes allowance other caches hold but do not use.
 * If that is not enough and the grower holds less than an equal share of the budget
 * ({@code total / live caches}), it also asks caches holding more than that share to give
 * the excess back: their allowance drops (never below the share) and the bytes are marked
 * {@linkplain ThreadCache#addOwed owed}. Only an owner may shrink its stacks, so the victim
 * trims its largest classes on its next misses and, once its capacity fits its allowance,
 * returns what it owes to a second pool that only caches within an equal share may draw
 * from, where the grower (which retries soon, see {@link Claim#PENDING}) finds it. Nobody grows into bytes a victim still holds, so the capacities
 * of all caches together never exceed the budget, and the budget ends up shared among the
 * threads that need it instead of kept by whichever grew first. A cache that can grow no
 * further keeps working at the capacity it has (and at capacity 0 its thread uses the
 * per-CPU tier directly).
 */
final class CacheBudget {
    /** The most allowance claimed from the pool at a time beyond what a growth needs. */
    static final long CHUNK = 64 * 1024;
    /** The least allowance claimed at a time: a thread that touches a class once claims little. */
    static final long MIN_CLAIM = 4 * 1024;
    /** Table slots one steal looks at, from where the previous one stopped. */
    private static final int STEAL_SCAN = 256;

    private final long total;
    private final long perCache;
    private final AtomicLong unclaimed;
    /**
     * Bytes caches gave back after fair-share requests: only a cache that stays within an
     * equal share may take them, so the cache that gave them cannot grow straight back into
     * them.
     */
    private final AtomicLong returned = new AtomicLong();

    private final AtomicLong steals = new AtomicLong();
    private final AtomicLong fairShareSteals = new AtomicLong();
    private final ThreadCacheTable caches;
    private int cursor;

    /**
     * @param total    bytes of capacity all caches may hold together
     * @param perCache bytes of capacity one cache may hold
     */
    CacheBudget(long total, long perCache, ThreadCacheTable caches) {
        this.caches = caches;
        this.total = total;
        this.perCache = Math.min(perCache, total);
        this.unclaimed = new AtomicLong(total);
    }

    /** What a claim got. */
    enum Claim {
        GRANTED,
        /** Refused: the pool is dry and no cache has allowance to spare. */
        REFUSED,
        /** Refused for now: caches above an equal share were asked to give some back. */
        PENDING
    }

    /**
     * Grants {@code cache} enough allowance to grow by {@code need} bytes, from the pool or
     * from other caches.
     *
     * @return GRANTED when the allowance now covers {@code capacityBytes + need}
     */
    Claim claim(ThreadCache cache, long need) {
        long have = cache.allowance() - cache.capacityBytes;
        if (have >= need) {
            return Claim.GRANTED;
        }
        long shortBy = need - have;
        if (cache.capacityBytes + need > perCache) {
            return Claim.REFUSED;
        }
        long grain = Math.min(CHUNK, Math.max(cache.capacityBytes, MIN_CLAIM));
        long got = takeFrom(unclaimed, Math.max(shortBy, Math.min(grain, perCache - cache.allowance())));
        long fair = fairShare();
        if (got < shortBy && cache.allowance() + shortBy <= fair) {
            got += takeFrom(returned, shortBy - got);
        }
        boolean asked = false;
        if (got < shortBy) {
            got += stealUnused(cache, shortBy - got);
            if (got < shortBy) {
                asked = askForFairShare(cache, shortBy - got);
            }
        }
        cache.addAllowance(got);
        if (cache.allowance() - cache.capacityBytes >= need) {
            return Claim.GRANTED;
        }
        return asked ? Claim.PENDING : Claim.REFUSED;
    }

    /** An equal share of the budget among the caches now in the table. */
    private long fairShare() {
        return total / Math.max(1, caches.liveCount());
    }

    private static long takeFrom(AtomicLong pool, long bytes) {
        while (true) {
            long free = pool.get();
            long take = Math.min(free, bytes);
            if (take <= 0) {
                return 0;
            }
            if (pool.compareAndSet(free, free - take)) {
                return take;
            }
        }
    }

    /**
     * Allowance other caches hold beyond their capacity. Their owners may be growing at the
     * same moment: {@link ThreadCache#takeUnused} and {@link ThreadCache#resize} check each
     * other (an earlier version read the capacity once, and a growth racing with the steal
     * left a cache above its allowance and all caches 4 KiB above the budget, once in some
     * hundred runs of 200 threads).
     */
    private long stealUnused(ThreadCache thief, long bytes) {
        long got = takeFromOthers(thief, bytes, ThreadCache::takeUnused);
        if (got > 0) {
            steals.incrementAndGet();
        }
        return got;
    }

    /**
     * For a cache below an equal share that found no spare allowance: asks caches above that
     * share for {@code bytes}, which they return to the pool once they trimmed (see the class
     * comment). Without it the caches that grew first kept the budget whatever the threads
     * that came later needed: 16 threads of mixed-size churn (JIT warmed first, alternating
     * JVMs) ran at 44-66 M ops/s, against 74-89 M with fair shares.
     *
     * @return true when some cache was asked
     */
    private boolean askForFairShare(ThreadCache grower, long bytes) {
        long fair = fairShare();
        if (grower.allowance() + bytes > fair) {
            return false;
        }
        long asked = takeFromOthers(grower, bytes, (victim, want) -> {
            long x = victim.takeAllowance(want, fair);
            if (x > 0) {
                victim.addOwed(x);
            }
            return x;
        });
        if (asked > 0) {
            fairShareSteals.incrementAndGet();
        }
        return asked > 0;
    }

    /** How much one victim gives when asked for {@code bytes}. */
    @FunctionalInterface
    private interface Take {
        long from(ThreadCache victim, long bytes);
    }

    /**
     * Up to {@code bytes} from the caches other than {@code taker}, starting where the
     * previous look stopped so no cache is always the victim. A window of the table, not all
     * of it: with thousands of threads a growth that looked at every cache cost more than the
     * miss it served.
     */
    private long takeFromOthers(ThreadCache taker, long bytes, Take take) {
        ThreadCache[] all = caches.current();
        ThreadCache none = caches.none();
        int n = Math.min(all.length, STEAL_SCAN);
        long got = 0;
        for (int i = 0; i < n && got < bytes; i++) {
            ThreadCache victim = all[cursor++ & (all.length - 1)];
            if (victim != taker && victim != none) {
                got += take.from(victim, bytes - got);
            }
        }
        return got;
    }

    /** Returns a reclaimed cache's allowance to the pool. */
    void release(long bytes) {
        if (bytes > 0) {
            unclaimed.addAndGet(bytes);
        }
    }

    long total() {
        return total;
    }

    /** Gives back what fair-share requests asked of a cache, for caches within an equal share. */
    void releaseOwed(long bytes) {
        if (bytes > 0) {
            returned.addAndGet(bytes);
        }
    }

    long claimed() {
        return total - unclaimed.get() - returned.get();
    }

    long steals() {
        return steals.get();
    }

    /** Times a cache below an equal share asked others to give allowance back. */
    long fairShareSteals() {
        return fairShareSteals.get();
    }
}
