package dev.rseq.alloc.bench;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.PerCpuAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A short mixed-size workload on {@link PerCpuAllocator#global()}, then the allocator's
 * statistics as text or as {@link AllocatorStats#toJson()}: what a user's own process would
 * report, with every tier exercised (thread caches, per-CPU misses, central transfers, large
 * blocks, blocks still live at the end).
 */
final class StatsWorkload {
    private static final long MAX_SMALL = 64 * 1024;
    private static final long LARGE = 512 * 1024;

    private StatsWorkload() {}

    static String run(int threads, boolean virtual, int ops, int live, boolean release, boolean json)
            throws InterruptedException {
        PerCpuAllocator alloc = PerCpuAllocator.global();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = 0x5eedL + t;
            workers.add(Thread.ofPlatform().name("stats-" + t).start(() -> work(alloc, seed, ops, live)));
            if (virtual) {
                workers.add(Thread.ofVirtual().name("stats-v" + t).start(() -> work(alloc, ~seed, ops, live)));
            }
        }
        for (Thread w : workers) {
            w.join();
        }
        if (release) {
            alloc.releaseMemory();
        }
        AllocatorStats stats = alloc.stats();
        return json ? stats.toJson() : stats.toString();
    }

    /** Sizes log-uniform up to 64 KiB (one in 64 large), a window of live blocks; the first {@code live} slots stay allocated. */
    private static void work(PerCpuAllocator alloc, long seed, int ops, int live) {
        SplittableRandom rng = new SplittableRandom(seed);
        int window = Math.max(live, 64);
        long[] addresses = new long[window];
        long[] sizes = new long[window];
        for (int i = 0; i < ops; i++) {
            int slot = rng.nextInt(window);
            if (addresses[slot] != 0) {
                alloc.free(addresses[slot], sizes[slot]);
            }
            long size =
                    rng.nextInt(64) == 0 ? LARGE : 16L << rng.nextInt(Long.numberOfTrailingZeros(MAX_SMALL / 16) + 1);
            size -= rng.nextLong(size / 2);
            addresses[slot] = alloc.allocate(size);
            sizes[slot] = size;
        }
        for (int slot = live; slot < window; slot++) {
            if (addresses[slot] != 0) {
                alloc.free(addresses[slot], sizes[slot]);
            }
        }
    }
}
