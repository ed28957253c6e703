package dev.rseq.alloc.bench.compare;

import org.HdrHistogram.Histogram;

/**
 * One row of {@code compare}: an allocator at one thread count.
 *
 * @param id           the catalog id (file names)
 * @param name         the row label (may say what really runs, e.g. an LD_PRELOAD)
 * @param alloc        latencies of allocations, ns, all threads merged
 * @param free         latencies of frees, ns, all threads merged
 * @param opsPerSecond from the untimed phase, all threads summed
 */
public record RunResult(String id, String name, int threads, Histogram alloc, Histogram free,
                        double opsPerSecond) {

    /** Allocations and frees together: the table's "per op" distribution. */
    public Histogram all() {
        Histogram all = alloc.copy();
        all.add(free);
        return all;
    }
}
