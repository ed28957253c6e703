package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.timer.Clock;

/**
 * Larson's server model: a churn lane whose thread ends every {@code handoffOps} operations;
 * a newly started platform thread inherits the slots, so blocks allocated by the dead thread
 * are freed by its successor (and by the successor's successor, and so on). An allocator
 * with per-thread state pays here for setting it up, for blocks that come home from a
 * thread that no longer exists, and for whatever the dead thread left cached.
 */
final class LarsonLane extends ChurnLane {
    private final long handoffOps;
    private long opsOnThisThread;
    private long handoffs;

    LarsonLane(
            BenchAllocator allocator,
            Clock clock,
            double nsPerTick,
            int slotBase,
            int workingSet,
            long[] sizes,
            long seed,
            long handoffOps) {
        super(allocator, clock, nsPerTick, slotBase, workingSet, sizes, seed, CHUNK_STEPS, false, 0);
        if (handoffOps < 2) {
            throw new IllegalArgumentException("handoffOps must be at least 2");
        }
        this.handoffOps = handoffOps;
    }

    /** The last chunk before a handoff stops exactly at the quota (a step is two ops). */
    @Override
    int chunkSteps() {
        long left = (handoffOps - opsOnThisThread + 1) / 2;
        return Math.clamp(left, 1, CHUNK_STEPS);
    }

    @Override
    int timedSteps(int n) {
        int ops = super.timedSteps(n);
        opsOnThisThread += ops;
        return ops;
    }

    @Override
    int steps(int n) {
        int ops = super.steps(n);
        opsOnThisThread += ops;
        return ops;
    }

    @Override
    boolean handoffDue() {
        return opsOnThisThread >= handoffOps;
    }

    @Override
    void handedOff() {
        opsOnThisThread = 0;
        handoffs++;
    }

    long handoffs() {
        return handoffs;
    }
}
