package dev.rseq.alloc.bench.workload;

import org.HdrHistogram.Histogram;

/**
 * What one cell (a workload, an allocator, a thread count) measured.
 *
 * @param alloc          allocation latencies, ns, all lanes merged
 * @param free           free latencies, ns, all lanes merged
 * @param batched        with timed batches: mean ns per op of each batch, weighted by its ops
 * @param opsPerSecond   counted operations of all lanes per second of the wall time they took (1 op = one
 *                       allocate or one free)
 * @param threadsStarted every thread the cell started (larson starts one per handoff)
 */
public record CellOutcome(
        Histogram alloc, Histogram free, Histogram batched, double opsPerSecond, long threadsStarted) {}
