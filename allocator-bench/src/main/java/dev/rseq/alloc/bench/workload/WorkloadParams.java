package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.SizeDistribution;
import dev.rseq.alloc.bench.timer.Clock;

/**
 * Everything a workload needs to build its lanes for one cell.
 *
 * @param threads    the thread count of the cell (what it means depends on the workload)
 * @param seed       seeds sizes and victim choice; equal seeds give every allocator the same sequences
 * @param sizes      block sizes of the churn workload
 * @param workingSet live blocks per thread of the churn workload
 * @param handoffOps larson: operations after which a thread ends and a new one inherits its blocks
 * @param rate       0, or ops/s per thread at which the churn and loguniform latency phases are paced
 * @param nsPerTick  converts the clock's ticks to ns
 * @param timedBatch steps per timer reading in the latency phase; 1 times every op on its own
 */
public record WorkloadParams(
        int threads,
        long seed,
        SizeDistribution sizes,
        int workingSet,
        long handoffOps,
        long rate,
        Clock clock,
        double nsPerTick,
        int timedBatch) {}
