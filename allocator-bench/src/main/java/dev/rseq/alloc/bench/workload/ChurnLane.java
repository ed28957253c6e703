package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.timer.Clock;

/**
 * A working set of live blocks; each step frees a random one and allocates the next size
 * from a pre-drawn table into the same slot, then writes the new block. The churn,
 * loguniform and vthreads workloads are this lane with different sizes, working sets and
 * chunk lengths; larson adds thread replacement.
 */
class ChurnLane extends Lane {
    private final int slotBase;
    private final int workingSet;
    final long[] address;
    final long[] size;
    private final long[] sizes;
    private final int sizeMask;
    private final int chunkSteps;
    private final boolean yieldAfterChunk;
    private final long pacedIntervalNanos;
    private long random;
    private int next;
    private long due = -1;

    /**
     * @param sizes           pre-drawn block sizes, length a power of two (drawn from a seed per
     *                        lane index, so every allocator replays the same sequence)
     * @param seed            seeds the choice of victim
     * @param chunkSteps      steps (free + allocate) between clock checks
     * @param yieldAfterChunk Thread.yield() after every chunk (virtual threads)
     * @param ratePerSecond   0, or the ops/s at which the latency phase is paced
     */
    ChurnLane(
            BenchAllocator allocator,
            Clock clock,
            double nsPerTick,
            int slotBase,
            int workingSet,
            long[] sizes,
            long seed,
            int chunkSteps,
            boolean yieldAfterChunk,
            long ratePerSecond) {
        super(allocator, clock, nsPerTick);
        if (Integer.bitCount(sizes.length) != 1) {
            throw new IllegalArgumentException("size table length must be a power of two");
        }
        this.slotBase = slotBase;
        this.workingSet = workingSet;
        this.address = new long[workingSet];
        this.size = new long[workingSet];
        this.sizes = sizes;
        this.sizeMask = sizes.length - 1;
        this.random = seed | 1;
        this.chunkSteps = chunkSteps;
        this.yieldAfterChunk = yieldAfterChunk;
        this.pacedIntervalNanos = ratePerSecond > 0 ? Math.max(1, 1_000_000_000L / ratePerSecond) : 0;
    }

    @Override
    void fill() {
        for (int i = 0; i < workingSet; i++) {
            long s = sizes[next++ & sizeMask];
            long a = allocator.allocate(slotBase + i, s);
            Blocks.write(a, a);
            address[i] = a;
            size[i] = s;
        }
    }

    @Override
    void drain() {
        for (int i = 0; i < workingSet; i++) {
            if (address[i] != 0) {
                allocator.free(slotBase + i, address[i], size[i]);
                address[i] = 0;
            }
        }
    }

    /** Larson shortens the last chunk before a handoff. */
    @Override
    int chunkSteps() {
        return chunkSteps;
    }

    private int victim() {
        random = xorshift(random);
        return (int) (((random >>> 32) * workingSet) >>> 32);
    }

    @Override
    int timedSteps(int steps) {
        for (int n = 0; n < steps; n++) {
            int i = victim();
            long s = sizes[next++ & sizeMask];
            int slot = slotBase + i;
            long t0 = clock.ticks();
            allocator.free(slot, address[i], size[i]);
            long t1 = clock.ticks();
            long a = allocator.allocate(slot, s);
            long t2 = clock.ticks();
            Blocks.write(a, a);
            record(freeLatency, t1 - t0);
            record(allocLatency, t2 - t1);
            address[i] = a;
            size[i] = s;
        }
        return 2 * steps;
    }

    @Override
    int steps(int steps) {
        for (int n = 0; n < steps; n++) {
            int i = victim();
            long s = sizes[next++ & sizeMask];
            int slot = slotBase + i;
            allocator.free(slot, address[i], size[i]);
            long a = allocator.allocate(slot, s);
            Blocks.write(a, a);
            address[i] = a;
            size[i] = s;
        }
        return 2 * steps;
    }

    /**
     * Paced: op k is due at {@code first + k * interval}; its latency runs from when it was due,
     * not from when it began, so a stall also counts against every op it delayed (no
     * coordinated omission). Due times are wall-clock, so this path uses System.nanoTime.
     */
    @Override
    int latencyChunk() {
        if (pacedIntervalNanos == 0) {
            return timedChunk();
        }
        if (due < 0) {
            due = System.nanoTime();
        }
        int steps = chunkSteps();
        for (int n = 0; n < steps; n++) {
            int i = victim();
            long s = sizes[next++ & sizeMask];
            int slot = slotBase + i;
            awaitUntil(due);
            allocator.free(slot, address[i], size[i]);
            freeLatency.recordValue(Math.max(0, System.nanoTime() - due));
            due += pacedIntervalNanos;
            awaitUntil(due);
            long a = allocator.allocate(slot, s);
            allocLatency.recordValue(Math.max(0, System.nanoTime() - due));
            due += pacedIntervalNanos;
            Blocks.write(a, a);
            address[i] = a;
            size[i] = s;
        }
        return 2 * steps;
    }

    private static void awaitUntil(long due) {
        while (System.nanoTime() < due) {
            Thread.onSpinWait();
        }
    }

    @Override
    void afterChunk() {
        if (yieldAfterChunk) {
            Thread.yield();
        }
    }
}
