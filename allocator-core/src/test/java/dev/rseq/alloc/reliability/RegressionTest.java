package dev.rseq.alloc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.PerCpuAllocator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for bugs found by the reliability work (docs/reliability.md, "Bugs
 * found"). The drain that left a region stopped after a rejected block (bug 3) is covered
 * by {@code RseqSlabTest.aSinkThatThrowsLeavesTheRegionRunning}: a rejected block can no
 * longer reach a slab through the API, since every free is validated at the call.
 */
class RegressionTest {

    /**
     * releaseMemory() promises to drain the calling thread's cache; the old magazine table
     * looked only at the thread's home slot. Here another live thread holds a cache too, and
     * only the caller's must empty.
     */
    @Test
    void releaseMemoryDrainsTheCallersOwnCacheAndLeavesOthers() throws Exception {
        try (PerCpuAllocator a =
                PerCpuAllocator.builder().maintenanceInterval(null).build()) {
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
            long othersBytes = a.stats().threadCacheBytes();
            assertTrue(othersBytes > 0, "the live thread caches its freed block");
            AtomicLong left = new AtomicLong(-1);
            Thread second = new Thread(() -> {
                long[] b = new long[10];
                for (int i = 0; i < b.length; i++) {
                    b[i] = a.allocate(64);
                }
                for (long p : b) {
                    a.free(p);
                }
                a.releaseMemory();
                left.set(a.stats().threadCacheBytes() - othersBytes);
            });
            second.start();
            second.join();
            hold.countDown();
            first.join();
            assertEquals(0, left.get(), "bytes left in the caller's cache after its own releaseMemory()");
        }
    }
}
