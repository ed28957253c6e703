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
 * It never takes allowance a cache is using: only the owner may shrink its stacks, and an
 * idle owner would keep the memory anyway. So the sum of all capacities stays within the
 * budget (a steal racing with its victim's growth can leave the victim above its allowance;
 * the owner trims back on its next miss). A cache that can grow no further keeps working at the capacity
 * it has (and at capacity 0 its thread uses the per-CPU tier directly).
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
    private final AtomicLong steals = new AtomicLong();
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

    /**
     * Grants {@code cache} enough allowance to grow by {@code need} bytes, from the pool or
     * from other caches.
     *
     * @return true when the allowance now covers {@code capacityBytes + need}
     */
    boolean claim(ThreadCache cache, long need) {
        long have = cache.allowance() - cache.capacityBytes;
        if (have >= need) {
            return true;
        }
        long shortBy = need - have;
        if (cache.capacityBytes + need > perCache) {
            return false;
        }
        long grain = Math.min(CHUNK, Math.max(cache.capacityBytes, MIN_CLAIM));
        long got = takeFromPool(Math.max(shortBy, Math.min(grain, perCache - cache.allowance())));
        if (got < shortBy) {
            got += steal(cache, shortBy - got);
        }
        cache.addAllowance(got);
        return cache.allowance() - cache.capacityBytes >= need;
    }

    private long takeFromPool(long bytes) {
        while (true) {
            long free = unclaimed.get();
            long take = Math.min(free, bytes);
            if (take <= 0) {
                return 0;
            }
            if (unclaimed.compareAndSet(free, free - take)) {
                return take;
            }
        }
    }

    /**
     * Allowance other caches hold beyond their capacity, starting where the previous steal
     * stopped so no cache is always the victim. The victim's capacity is read racily: its
     * owner only ever raises capacity after checking allowance with a volatile read, and
     * {@link ThreadCache#takeAllowance} never takes it below the capacity it read.
     */
    private long steal(ThreadCache thief, long bytes) {
        // A window of the table, not all of it: with thousands of threads a growth that
        // copied every cache out of the table cost more than the miss it served.
        ThreadCache[] all = caches.current();
        ThreadCache none = caches.none();
        int n = Math.min(all.length, STEAL_SCAN);
        long got = 0;
        for (int i = 0; i < n && got < bytes; i++) {
            ThreadCache victim = all[cursor++ & (all.length - 1)];
            if (victim != thief && victim != none) {
                got += victim.takeAllowance(bytes - got, victim.capacityBytes);
            }
        }
        if (got > 0) {
            steals.incrementAndGet();
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

    long claimed() {
        return total - unclaimed.get();
    }

    long steals() {
        return steals.get();
    }
}
