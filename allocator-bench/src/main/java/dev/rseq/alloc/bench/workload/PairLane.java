package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.timer.Clock;

/**
 * One 64 B block allocated, written and freed, over and over, the way user code does it:
 * through a small static helper the loop calls (left for the JIT to inline or not, as it
 * would in an application) rather than allocate/free pasted into the loop. The best case of
 * every allocator: the block goes back to the cache it came from.
 */
final class PairLane extends Lane {
    static final long SIZE = 64;
    private final int slot;

    PairLane(BenchAllocator allocator, Clock clock, double nsPerTick, int slot) {
        super(allocator, clock, nsPerTick);
        this.slot = slot;
    }

    /** What the loop calls: allocate, use, free. */
    static void useOnce(BenchAllocator allocator, int slot) {
        long a = allocator.allocate(slot, SIZE);
        Blocks.write(a, a);
        allocator.free(slot, a, SIZE);
    }

    @Override
    void fill() {}

    @Override
    void drain() {}

    @Override
    int steps(int steps) {
        for (int n = 0; n < steps; n++) {
            useOnce(allocator, slot);
        }
        return 2 * steps;
    }

    /** Times the allocate and the free each on its own; the write between them is not timed. */
    @Override
    int timedSteps(int steps) {
        for (int n = 0; n < steps; n++) {
            long t0 = clock.ticks();
            long a = allocator.allocate(slot, SIZE);
            long t1 = clock.ticks();
            Blocks.write(a, a);
            long t2 = clock.ticks();
            allocator.free(slot, a, SIZE);
            long t3 = clock.ticks();
            record(allocLatency, t1 - t0);
            record(freeLatency, t3 - t2);
        }
        return 2 * steps;
    }
}
