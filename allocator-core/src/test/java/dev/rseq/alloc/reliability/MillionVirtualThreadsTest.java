package dev.rseq.alloc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rseq.alloc.FastPath;
import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.stress.BlockPattern;
import dev.rseq.alloc.stress.FinalAccounting;
import dev.rseq.alloc.stress.LiveSet;
import dev.rseq.alloc.stress.Violation;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * 1,000,000 short-lived virtual threads, each allocating one to three blocks, filling them,
 * yielding (so it may resume on another carrier and cpu) and verifying and freeing them.
 * Half work inside a synchronized block. Then: no duplicate, no corruption, and the
 * allocator's accounting is exact (virtual threads own no caches, only their carriers do,
 * so nothing may be left behind by a million threads that are gone).
 */
class MillionVirtualThreadsTest {
    private static final int THREADS = 1_000_000;
    private static final int IN_FLIGHT = 10_000;

    @Test
    void millionShortLivedVirtualThreads() throws Exception {
        try (PerCpuAllocator a =
                PerCpuAllocator.builder().fastPath(FastPath.THREAD_CACHE).build()) {
            LiveSet live = new LiveSet();
            AtomicReference<String> failure = new AtomicReference<>();
            LongAdder blocks = new LongAdder();
            Semaphore slots = new Semaphore(IN_FLIGHT);
            Object[] monitors = new Object[32];
            for (int i = 0; i < monitors.length; i++) {
                monitors[i] = new Object();
            }
            for (int t = 0; t < THREADS && failure.get() == null; t++) {
                slots.acquire();
                long owner = t;
                Object monitor = t % 2 == 0 ? monitors[t % monitors.length] : null;
                Thread.ofVirtual().start(() -> {
                    try {
                        if (monitor != null) {
                            synchronized (monitor) {
                                work(a, live, owner, failure, blocks);
                            }
                        } else {
                            work(a, live, owner, failure, blocks);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e.toString());
                    } finally {
                        slots.release();
                    }
                });
            }
            slots.acquire(IN_FLIGHT);
            assertNull(failure.get());
            assertEquals(0, live.size());
            System.out.printf("%,d virtual threads, %,d blocks verified%n", THREADS, blocks.sum());
            Violation v = FinalAccounting.check(a, "vthreads");
            assertNull(v, () -> v.report());
        }
    }

    private static void work(
            PerCpuAllocator a, LiveSet live, long owner, AtomicReference<String> failure, LongAdder blocks) {
        ThreadLocalRandom rng = ThreadLocalRandom.current();
        int k = 1 + rng.nextInt(3);
        long[] addr = new long[k];
        long[] size = new long[k];
        for (int i = 0; i < k; i++) {
            size[i] = rng.nextInt(10) == 0 ? 1 + rng.nextInt(20_000) : 8 + rng.nextInt(256);
            addr[i] = a.allocate(size[i]);
            if (!live.add(addr[i])) {
                failure.compareAndSet(null, "duplicate 0x" + Long.toHexString(addr[i]));
                return;
            }
            BlockPattern.fill(addr[i], size[i], owner);
        }
        Thread.yield();
        for (int i = 0; i < k; i++) {
            long bad = BlockPattern.firstMismatch(addr[i], size[i], owner);
            if (bad >= 0) {
                failure.compareAndSet(null, "corrupted 0x" + Long.toHexString(addr[i]) + " at " + bad);
                return;
            }
            live.remove(addr[i]);
            a.free(addr[i], size[i]);
        }
        blocks.add(k);
    }
}
