package dev.rseq.alloc.stress;

import dev.rseq.alloc.rseq.Affinity;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Re-pins every running worker to a random single cpu every few hundred microseconds. A
 * worker moved while inside a critical section is preempted there, which makes the kernel
 * abort the section: the path the migrate switch is meant to exercise.
 */
final class Migrator implements Runnable {
    private final RunContext ctx;
    private final SplittableRandom rng;
    final LongAdder repins = new LongAdder();

    Migrator(RunContext ctx, SplittableRandom rng) {
        this.ctx = ctx;
        this.rng = rng;
    }

    @Override
    public void run() {
        int[] cpus = Affinity.allowedCpus();
        try {
            while (ctx.running()) {
                for (int tid : ctx.workerTids) {
                    if (Affinity.set(tid, cpus[rng.nextInt(cpus.length)])) {
                        repins.increment();
                    }
                }
                LockSupport.parkNanos(100_000 + rng.nextInt(400_000));
            }
        } catch (Throwable t) {
            ctx.violation(Violation.thrown("migrator", "-", t));
        }
    }
}
