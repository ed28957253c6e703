package dev.rseq.alloc.bench.footprint;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.peer.Peer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one phase against one allocator: start N threads; each allocates a working set,
 * frees it, then stays alive until all have done so; measure; let them exit; measure again.
 * Threads stay alive for the first measurement because thread-caching allocators keep their
 * caches only while the thread lives.
 *
 * <p>Slots come from a pool of lanes (one lane = one working set), so 1,000,000 threads need
 * only as many slots as run at once.
 */
final class FootprintProbe {
    private static final int LANES = 256;

    private FootprintProbe() {}

    static FootprintResult run(Peer peer, Phase phase, int blocks, long size) throws InterruptedException {
        try (BenchAllocator allocator = peer.open(LANES * blocks)) {
            BlockingQueue<Integer> lanes = new ArrayBlockingQueue<>(LANES);
            for (int i = 0; i < LANES; i++) {
                lanes.add(i);
            }
            long heldBase = held(allocator).bytes();
            long rssBase = ProcessMemory.rss();
            long start = System.nanoTime();
            CountDownLatch worked = new CountDownLatch(phase.threads());
            AtomicBoolean released = new AtomicBoolean();
            Thread.Builder builder =
                    phase.virtual() ? Thread.ofVirtual() : Thread.ofPlatform().stackSize(256 * 1024);
            Thread[] threads = new Thread[phase.threads()];
            Throwable[] failure = new Throwable[1];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = builder.start(() -> {
                    try {
                        int lane = lanes.take();
                        long[] address = new long[blocks];
                        int base = lane * blocks;
                        for (int j = 0; j < blocks; j++) {
                            address[j] = allocator.allocate(base + j, size);
                        }
                        for (int j = 0; j < blocks; j++) {
                            allocator.free(base + j, address[j], size);
                        }
                        lanes.put(lane);
                    } catch (Throwable e) {
                        synchronized (failure) {
                            failure[0] = e;
                        }
                    } finally {
                        worked.countDown();
                    }
                    // Parked rather than on a latch: releasing a latch wakes waiters one after the
                    // other, which takes tens of seconds for a million virtual threads.
                    while (!released.get()) {
                        LockSupport.park(released);
                    }
                });
            }
            worked.await();
            BenchAllocator.HeldMemory alive = held(allocator);
            long rssAlive = ProcessMemory.rss();
            released.set(true);
            for (Thread t : threads) {
                LockSupport.unpark(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure[0] != null) {
                throw new IllegalStateException(peer.id() + " failed: " + failure[0], failure[0]);
            }
            BenchAllocator.HeldMemory after = held(allocator);
            long rssAfter = ProcessMemory.rss();
            double seconds = (System.nanoTime() - start) / 1e9;
            return new FootprintResult(
                    allocator.name(),
                    phase,
                    heldBase,
                    alive.bytes(),
                    after.bytes(),
                    alive.cached(),
                    after.cached(),
                    after.what(),
                    rssBase,
                    rssAlive,
                    rssAfter,
                    seconds);
        }
    }

    private static final BenchAllocator.HeldMemory NONE = new BenchAllocator.HeldMemory(-1, -1, "");

    private static BenchAllocator.HeldMemory held(BenchAllocator allocator) {
        BenchAllocator.HeldMemory held = allocator.heldMemory();
        return held == null ? NONE : held;
    }
}
