package dev.rseq.alloc.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stats.TierStats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The front end's policies against a fake per-CPU tier. */
class ThreadCacheTierTest {
    private final SizeClasses sizes = new SizeClasses();
    private final FakePerCpu below = new FakePerCpu(sizes.count());
    private final int c64 = SizeClasses.classOf(64);

    private ThreadCacheTier tier(long budget, long perThread) {
        return new ThreadCacheTier(sizes, below, below, budget, perThread);
    }

    private static TierStats stats(ThreadCacheTier t, SizeClasses sizes) {
        TierStats s = new TierStats(sizes.count());
        t.collect(s);
        return s;
    }

    @Test
    void afterTheFirstRefillAllocationsAreHits() {
        ThreadCacheTier t = tier(1 << 20, 1 << 20);
        CacheSizing sizing = new CacheSizing(sizes);
        int first = sizing.first(c64);
        long p = t.allocate(c64);
        assertEquals(1, below.refills, "a miss refills one batch");
        int k = CacheSizing.refillCount(first);
        for (int i = 1; i < k; i++) {
            assertNotEquals(p, t.allocate(c64));
        }
        assertEquals(1, below.refills, "the rest of the batch was served by the cache");
        assertEquals(k - 1, stats(t, sizes).get(TierStats.PerClass.THREAD_CACHE_HITS, c64));
    }

    @Test
    void freesGrowTheStackToItsMaximumThenSpillTheOldestHalf() {
        ThreadCacheTier t = tier(64L << 20, 64L << 20);
        CacheSizing sizing = new CacheSizing(sizes);
        int max = sizing.max(c64);
        long[] blocks = new long[max + 1];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = t.allocate(c64);
        }
        long spillsBefore = below.spills;
        for (long b : blocks) {
            t.free(c64, b);
        }
        assertEquals(spillsBefore + 1, below.spills, "one spill when the stack is full at its maximum");
        assertEquals(max, stats(t, sizes).get(TierStats.PerClass.THREAD_CACHE_CAPACITY, c64));
        long newest = t.allocate(c64);
        assertEquals(blocks[blocks.length - 1], newest, "the newest block stayed (LIFO)");
    }

    @Test
    void theBudgetBoundsEveryCachesCapacityTogether() throws Exception {
        long budget = 64 * 1024;
        ThreadCacheTier t = tier(budget, 16 * 1024);
        CountDownLatch hold = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        int[] classes = {SizeClasses.classOf(64), SizeClasses.classOf(1000), SizeClasses.classOf(8000)};
        for (int i = 0; i < 32; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int c : classes) {
                    long[] mine = new long[300];
                    for (int j = 0; j < mine.length; j++) {
                        mine[j] = t.allocate(c);
                    }
                    for (long p : mine) {
                        t.free(c, p);
                    }
                }
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        while (threads.stream().anyMatch(th -> th.getState() != Thread.State.WAITING)) {
            Thread.sleep(5);
        }
        TierStats s = stats(t, sizes);
        long capacityBytes = 0;
        for (int c = 1; c < sizes.count(); c++) {
            capacityBytes += s.get(TierStats.PerClass.THREAD_CACHE_CAPACITY, c) * sizes.size(c);
        }
        assertTrue(capacityBytes <= budget, "capacity " + capacityBytes + " within the budget " + budget);
        assertTrue(s.get(TierStats.Scalar.THREAD_CACHE_CLAIMED) <= budget);
        hold.countDown();
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(32, t.reclaimDead());
        assertEquals(0, below.outstanding(), "every block came back");
        assertEquals(0, stats(t, sizes).get(TierStats.Scalar.THREAD_CACHE_CLAIMED), "every allowance came back");
    }

    @Test
    void aNewThreadAdoptsADeadThreadsCacheWithItsBlocks() throws Exception {
        ThreadCacheTier t = tier(1 << 20, 1 << 20);
        Set<Long> freedByFirst = new HashSet<>();
        Thread first = Thread.ofPlatform().start(() -> {
            long[] b = new long[6];
            for (int i = 0; i < b.length; i++) {
                b[i] = t.allocate(c64);
            }
            for (long p : b) {
                t.free(c64, p);
                freedByFirst.add(p);
            }
        });
        first.join();
        long refills = below.refills;
        long[] got = new long[1];
        Thread second = Thread.ofPlatform().start(() -> got[0] = t.allocate(c64));
        second.join();
        assertEquals(refills, below.refills, "the successor's first allocation was a hit");
        assertTrue(freedByFirst.contains(got[0]), "and it came from the dead thread's cache");
        assertEquals(1, stats(t, sizes).get(TierStats.Scalar.THREAD_CACHES_ADOPTED));
    }

    @Test
    void deadThreadsCachesAreFlushedToTheCentralTierOnReclaim() throws Exception {
        ThreadCacheTier t = tier(1 << 20, 1 << 20);
        Thread worker = Thread.ofPlatform().start(() -> {
            long[] b = new long[20];
            for (int i = 0; i < b.length; i++) {
                b[i] = t.allocate(c64);
            }
            for (long p : b) {
                t.free(c64, p);
            }
        });
        worker.join();
        long cached = stats(t, sizes).get(TierStats.PerClass.THREAD_CACHE_OBJECTS, c64);
        assertTrue(cached > 0);
        assertEquals(1, t.reclaimDead());
        assertEquals(cached, below.flushedToCentral);
        assertEquals(0, stats(t, sizes).get(TierStats.PerClass.THREAD_CACHE_OBJECTS, c64));
        assertEquals(0, below.outstanding());
    }

    @Test
    void withNoBudgetLeftAThreadGoesStraightToThePerCpuTier() {
        ThreadCacheTier t = tier(16, 16);
        long p = t.allocate(c64);
        t.free(c64, p);
        assertEquals(2, below.directOps, "capacity 0: one direct operation each");
        assertEquals(0, below.outstanding());
    }

    @Test
    void virtualThreadsUseTheCacheOfTheirCarrier() throws Exception {
        Assumptions.assumeTrue(
                CarrierThreads.available(), "carrier access needs an --add-exports (see CarrierThreads)");
        ThreadCacheTier t = tier(1 << 20, 1 << 20);
        List<Thread> vts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            vts.add(Thread.ofVirtual().start(() -> {
                long[] b = new long[4];
                for (int j = 0; j < b.length; j++) {
                    b[j] = t.allocate(c64);
                }
                Thread.yield();
                for (long p : b) {
                    t.free(c64, p);
                }
            }));
        }
        for (Thread v : vts) {
            v.join();
        }
        TierStats s = stats(t, sizes);
        long caches = s.get(TierStats.Scalar.THREAD_CACHES);
        assertTrue(
                caches >= 1 && caches <= Runtime.getRuntime().availableProcessors() + 1,
                "caches follow carriers, not virtual threads: " + caches);
        assertTrue(s.get(TierStats.PerClass.THREAD_CACHE_HITS, c64) > 0, "virtual threads hit their carriers' caches");
        assertEquals(
                s.get(TierStats.PerClass.THREAD_CACHE_OBJECTS, c64),
                below.outstanding(),
                "every block not freed to the carriers' caches went back");
        assertFalse(below.outstanding() > caches * new CacheSizing(sizes).max(c64));
    }

    /** Runs {@code task} on {@code thread}'s executor and waits. */
    private static void on(java.util.concurrent.ExecutorService thread, Runnable task) throws Exception {
        thread.submit(task).get();
    }

    /** Allocates {@code n} blocks of class {@code c}, then frees them all: the cache grows to hold them. */
    private static void churn(ThreadCacheTier t, int c, int n) {
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
            b[i] = t.allocate(c);
        }
        for (long p : b) {
            t.free(c, p);
        }
    }

    private long capacityBytes(ThreadCacheTier t, int c) {
        return stats(t, sizes).get(TierStats.PerClass.THREAD_CACHE_CAPACITY, c) * sizes.size(c);
    }

    @Test
    void aLateThreadGetsAFairShareOfASpentBudgetAndTheBudgetIsNeverExceeded() throws Exception {
        long budget = 64 * 1024;
        ThreadCacheTier t = tier(budget, budget);
        int c128 = SizeClasses.classOf(128);
        List<Thread> workers = new ArrayList<>();
        java.util.concurrent.ThreadFactory keep = r -> {
            Thread th = new Thread(r);
            workers.add(th);
            return th;
        };
        var first = java.util.concurrent.Executors.newSingleThreadExecutor(keep);
        var late = java.util.concurrent.Executors.newSingleThreadExecutor(keep);
        try {
            on(first, () -> churn(t, c64, 2048));
            assertTrue(capacityBytes(t, c64) > budget / 2, "the first thread took most of the budget");
            for (int round = 0; round < 20; round++) {
                on(late, () -> churn(t, c128, 1024));
                on(first, () -> churn(t, c64, 2048));
                long total = capacityBytes(t, c64) + capacityBytes(t, c128);
                assertTrue(total <= budget, "round " + round + ": capacity " + total + " within the budget");
                assertTrue(stats(t, sizes).get(TierStats.Scalar.THREAD_CACHE_CLAIMED) <= budget);
            }
            assertTrue(
                    capacityBytes(t, c128) >= budget / 4,
                    "the late thread grew to a fair share: " + capacityBytes(t, c128) + " B");
            assertTrue(capacityBytes(t, c64) <= budget / 2 + budget / 4, "the first thread gave way");
        } finally {
            first.shutdown();
            late.shutdown();
            for (Thread th : workers) {
                th.join(); // dead, not just idle: reclaimDead takes only dead threads' caches
            }
        }
        assertEquals(2, t.reclaimDead());
        assertEquals(0, below.outstanding(), "every block came back");
        assertEquals(0, stats(t, sizes).get(TierStats.Scalar.THREAD_CACHE_CLAIMED), "every allowance came back");
    }
}
