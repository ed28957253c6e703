package dev.rseq.alloc.reliability;

import dev.rseq.alloc.FastPath;
import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.rseq.Affinity;
import dev.rseq.alloc.rseq.RseqNative;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression tests for bugs found by the reliability work in
 * allocator-core (see docs/reliability.md, "Bugs found"); both are fixed.
 */
class RegressionTest {

    /**
     * releaseMemory() promises to drain the calling thread's magazine, but drainCaches()
     * looks only at the thread's home slot; a thread whose magazine sits in a probe slot
     * (home slot taken by a live thread) keeps its blocks.
     */
    @Test
    void releaseMemoryDrainsTheCallersMagazineEvenOutsideItsHomeSlot() throws Exception {
        try (PerCpuAllocator a = PerCpuAllocator.builder().maxMagazines(2).maintenanceInterval(null).build()) {
            CountDownLatch hold = new CountDownLatch(1);
            CountDownLatch ready = new CountDownLatch(1);
            Thread first = new Thread(() -> {
                a.free(a.allocate(64));
                ready.countDown();
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            first.start();
            ready.await();
            // The first (live) thread keeps its own magazine: only the caller's must empty.
            long othersBytes = a.stats().magazineBytes();
            AtomicLong left = new AtomicLong(-1);
            Runnable body = () -> {
                long[] b = new long[10];
                for (int i = 0; i < b.length; i++) {
                    b[i] = a.allocate(64);
                }
                for (long p : b) {
                    a.free(p);
                }
                a.releaseMemory();
                left.set(a.stats().magazineBytes() - othersBytes);
            };
            Thread second;
            do { // same home slot as the first thread (table of 4 slots for 2 magazines)
                second = new Thread(body);
            } while ((second.threadId() & 3) != (first.threadId() & 3));
            second.start();
            second.join();
            hold.countDown();
            first.join();
            assertEquals(0, left.get(), "bytes left in the caller's magazine after its own releaseMemory()");
        }
    }

    /**
     * When a drained block is rejected by the central list while RseqSlab.drainRegion runs,
     * the exception skips the line that clears the region's control word: the region stays
     * "stopped" and that cpu never uses its per-CPU cache again.
     */
    @Test
    void aRejectedBlockDuringADrainDoesNotDisableTheCpusCache() {
        Assumptions.assumeTrue(RseqNative.attachCurrentThread().usesRseq(), "rseq unavailable on this thread");
        Assumptions.assumeTrue(Affinity.set(0, Affinity.allowedCpus()[0]), "cannot pin to an allowed cpu");
        try (PerCpuAllocator a = PerCpuAllocator.builder().fastPath(FastPath.PER_CPU_DIRECT)
                .maintenanceInterval(null).build()) {
            long[] b = new long[3000];
            for (int i = 0; i < b.length; i++) {
                b[i] = a.allocate(64);
            }
            a.free(0x1000_0000_0000L, 64); // user error (undefined for a sized free): lands in the slab
            for (long p : b) {
                a.free(p, 64); // fills the slab and the transfer cache, so the drain overflows to the central list
            }
            assertThrows(IllegalArgumentException.class, a::releaseMemory);
            for (int i = 0; i < 1000; i++) {
                a.free(a.allocate(64), 64);
            }
            assertTrue(a.stats().perCpuBytes() > 0, "the per-CPU cache of the pinned cpu is no longer used");
        } finally {
            Affinity.unpin(0);
        }
    }
}
