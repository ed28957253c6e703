package dev.rseq.alloc.bench.workload;

import java.time.Duration;

/**
 * How long each phase of a cell lasts.
 *
 * @param warmup     untimed as far as results go: half timed code, half untimed code
 * @param latency    every operation timed on its own, recorded in HdrHistograms
 * @param throughput no timer reads; operations counted for ops/s
 */
public record Phases(Duration warmup, Duration latency, Duration throughput) {}
