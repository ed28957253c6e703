package dev.rseq.alloc.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.rseq.Affinity;
import dev.rseq.alloc.rseq.RseqNative;
import dev.rseq.alloc.sizeclass.SizeClasses;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rseq slab through the real FFM path: semantics on one pinned cpu, and conservation
 * while remote drains (control word + membarrier fence) race with critical sections on
 * every cpu and threads are re-pinned.
 */
class RseqSlabTest {
    private final SizeClasses sizes = new SizeClasses();
    private final SlabLayout layout = new SlabLayout(sizes);

    @BeforeEach
    void needsRseq() {
        Assumptions.assumeTrue(RseqNative.attachCurrentThread().usesRseq(), "rseq unavailable on this thread");
    }

    @Test
    void popAndPushFollowTheCapacity() {
        int c = SizeClasses.classOf(64);
        onOneRegion(region -> {
            RseqSlab slab = new RseqSlab(layout, RseqNative.regionCount());
            int initial = layout.initialCapacity(c);
            assertEquals(initial, capacity(slab, region, c));
            for (int i = 0; i < initial; i++) {
                assertEquals(1, slab.push(c, 64L * (i + 1)));
            }
            assertEquals(0, slab.push(c, 8), "full at the initial capacity");
            assertEquals(4, slab.grow(c, 4, layout.begin(c) + layout.maxCapacity(c)));
            assertEquals(1, slab.push(c, 8));
            assertEquals(8, slab.pop(c));
            assertEquals(64L * initial, slab.pop(c));
            Batch out = new Batch(initial);
            assertEquals(initial - 1, slab.popBatch(c, out, initial));
            assertEquals(64L * (initial - 1), out.slots[0], "newest first");
            assertEquals(0, slab.pop(c));
            assertEquals(initial + 4, slab.shrink(c, 1000), "shrink frees every unused slot");
            assertEquals(0, capacity(slab, region, c));
        });
    }

    @Test
    void aSinkThatThrowsLeavesTheRegionRunning() {
        int c = SizeClasses.classOf(64);
        onOneRegion(region -> {
            RseqSlab slab = new RseqSlab(layout, RseqNative.regionCount());
            assertEquals(1, slab.push(c, 64));
            IllegalArgumentException thrown = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class,
                    () -> slab.drainRegion(region, (cls, ptrs, n) -> {
                        throw new IllegalArgumentException("rejected");
                    }));
            assertEquals("rejected", thrown.getMessage());
            assertEquals(1, slab.push(c, 128), "the region was restarted after the failed drain");
            assertEquals(128, slab.pop(c));
        });
    }

    private static int capacity(RseqSlab slab, int region, int c) {
        long h = slab.header(region, c);
        return SlabLayout.end(h) - SlabLayout.begin(h);
    }

    /**
     * Runs a single-region scenario on a fresh slab with the thread pinned to one allowed
     * cpu. Pinning fixes the cpu, but under mm_cid indexing the kernel may still compact
     * the thread's concurrency id while it is off-cpu (another process ran); a failure in
     * a run whose region changed under it proves nothing, and the run is repeated.
     */
    private static void onOneRegion(java.util.function.IntConsumer scenario) {
        Assumptions.assumeTrue(Affinity.set(0, Affinity.allowedCpus()[0]), "cannot pin to an allowed cpu");
        try {
            for (int attempt = 1; ; attempt++) {
                int region = RseqNative.currentRegion();
                try {
                    scenario.accept(region);
                    return;
                } catch (AssertionError e) {
                    if (RseqNative.currentRegion() == region || attempt == 3) {
                        throw e;
                    }
                }
            }
        } finally {
            Affinity.unpin(0);
        }
    }

    @Test
    void remoteDrainsRacingWithCriticalSectionsLoseNothing() throws Exception {
        RseqSlab slab = new RseqSlab(layout, RseqNative.regionCount());
        int c = SizeClasses.classOf(128);
        int threads = Runtime.getRuntime().availableProcessors() * 4;
        int tokens = 200;
        ConcurrentLinkedQueue<Long> drained = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong stopped = new AtomicLong();
        AtomicLong unexpected = new AtomicLong();
        AtomicInteger fruitfulDrains = new AtomicInteger();
        AtomicInteger tids = new AtomicInteger();
        int[] tidOf = new int[threads];
        List<long[]> held = new ArrayList<>();
        int[] counts = new int[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] mine = new long[threads * tokens];
            for (int i = 0; i < tokens; i++) {
                mine[i] = ((long) (t + 1) << 32) | (i + 1L) << 4;
            }
            counts[t] = tokens;
            held.add(mine);
            int id = t;
            workers.add(Thread.ofPlatform().start(() -> {
                RseqNative.attachCurrentThread();
                Batch batch = new Batch(8);
                tidOf[id] = Affinity.currentTid();
                tids.incrementAndGet();
                SplittableRandom random = new SplittableRandom(id);
                long[] h = held.get(id);
                long deadline = System.nanoTime() + 20_000_000_000L;
                // Run until drains have really raced with us (bounded by the deadline).
                for (int it = 0; it < 100_000 || (fruitfulDrains.get() < 20 && System.nanoTime() < deadline); it++) {
                    int n = 1 + random.nextInt(8);
                    long rc;
                    if (random.nextBoolean() && counts[id] >= n) {
                        // pushBatch takes from the end of batch[0, n), a copy of h's tail: the
                        // tokens it did not take are still in h where they were.
                        System.arraycopy(h, counts[id] - n, batch.slots, 0, n);
                        rc = slab.pushBatch(c, batch, n);
                        if (rc > 0) {
                            counts[id] -= (int) rc;
                        }
                    } else if (counts[id] + n <= h.length) {
                        rc = slab.popBatch(c, batch, n);
                        if (rc > 0) {
                            System.arraycopy(batch.slots, 0, h, counts[id], (int) rc);
                            counts[id] += (int) rc;
                        }
                    } else {
                        continue;
                    }
                    if (rc == RseqNative.STOPPED) {
                        stopped.incrementAndGet();
                    }
                    if (rc < 0 && rc != RseqNative.STOPPED) {
                        unexpected.incrementAndGet(); // a worker's assert would not fail the test
                    }
                }
            }));
        }
        Thread chaos = Thread.ofPlatform().start(() -> {
            SplittableRandom random = new SplittableRandom(99);
            int[] cpus = Affinity.allowedCpus();
            while (!stop.get()) {
                slab.drainRegion(random.nextInt(slab.regions()), (cls, ptrs, n) -> {
                    for (int i = 0; i < n; i++) {
                        drained.add(ptrs[i]);
                    }
                    fruitfulDrains.incrementAndGet();
                });
                int w = random.nextInt(threads);
                if (tidOf[w] != 0) {
                    Affinity.set(tidOf[w], cpus[random.nextInt(cpus.length)]);
                }
            }
        });
        for (Thread w : workers) {
            w.join();
        }
        stop.set(true);
        chaos.join();
        List<Long> all = new ArrayList<>(drained);
        for (int r = 0; r < slab.regions(); r++) {
            slab.drainRegion(r, (cls, ptrs, n) -> {
                for (int i = 0; i < n; i++) {
                    all.add(ptrs[i]);
                }
            });
        }
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < counts[t]; i++) {
                all.add(held.get(t)[i]);
            }
        }
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        assertEquals((long) threads * tokens, sorted.length, "nothing lost or invented");
        for (int i = 1; i < sorted.length; i++) {
            assertTrue(sorted[i] != sorted[i - 1], "duplicate " + Long.toHexString(sorted[i]));
        }
        assertEquals(0, unexpected.get(), "every result was a count or STOPPED");
        assertTrue(fruitfulDrains.get() >= 20, "drains moved tokens while workers ran: " + fruitfulDrains.get());
    }
}
