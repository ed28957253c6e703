package dev.rseq.alloc.stress;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Memory pressure: calls releaseMemory() on every lane again and again while the workers
 * run. Each call stops and drains every per-CPU region (a membarrier fence that aborts
 * sections in flight), drains the CAS caches, and gives free pages to the OS, so blocks
 * the workers free come back from zeroed pages.
 */
final class Pressure implements Runnable {
    private final RunContext ctx;
    private final SplittableRandom rng;
    final LongAdder releases = new LongAdder();
    final LongAdder releasedBytes = new LongAdder();

    Pressure(RunContext ctx, SplittableRandom rng) {
        this.ctx = ctx;
        this.rng = rng;
    }

    @Override
    public void run() {
        try {
            while (ctx.running()) {
                for (Lane lane : ctx.lanes) {
                    releasedBytes.add(lane.allocator.releaseMemory());
                    releases.increment();
                }
                LockSupport.parkNanos(200_000 + rng.nextInt(1_800_000));
            }
        } catch (Throwable t) {
            ctx.violation(Violation.thrown("pressure", "-", t));
        }
    }
}
