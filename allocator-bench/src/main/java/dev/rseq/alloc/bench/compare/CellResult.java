package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.timer.Calibration;
import org.HdrHistogram.Histogram;

/**
 * One cell of {@code compare}: a workload, an allocator and a thread count, measured once
 * (one round) in one JVM.
 *
 * @param id             the catalog id (file names)
 * @param name           the row label (may say what really runs, e.g. an LD_PRELOAD)
 * @param alloc          latencies of allocations, ns, all threads merged
 * @param free           latencies of frees, ns, all threads merged
 * @param batched        with --timed-batch above 1: mean ns per op of each batch, weighted by its ops
 * @param opsPerSecond   from the untimed phase, all threads summed
 * @param threadsStarted threads the cell started (larson: one more per handoff)
 * @param carriers       virtual-thread carriers of the JVM it ran in (the scheduler's parallelism)
 * @param timer          the clock as calibrated in the JVM that ran the cell
 */
public record CellResult(
        String workload,
        String id,
        String name,
        int threads,
        int round,
        Histogram alloc,
        Histogram free,
        Histogram batched,
        double opsPerSecond,
        long threadsStarted,
        int carriers,
        Calibration timer) {

    /** Allocations and frees together (and batches): the "per op" distribution. */
    public Histogram all() {
        Histogram all = alloc.copy();
        all.add(free);
        all.add(batched);
        return all;
    }

    CellResult inRound(int r) {
        return new CellResult(
                workload, id, name, threads, r, alloc, free, batched, opsPerSecond, threadsStarted, carriers, timer);
    }
}
