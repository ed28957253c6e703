package dev.rseq.alloc.bench.workload;

/**
 * The phases of one cell as absolute System.nanoTime deadlines, fixed once every lane has
 * filled its working set. Lanes look at the clock between chunks and do what the current
 * phase asks, so no barrier separates the phases: a lane whose thread is replaced (larson)
 * or parked (virtual threads) simply resumes in whatever phase it is now.
 *
 * <p>Warm-up: its first half runs the timed code, its second half the untimed code, so both
 * are compiled before anything is recorded.
 *
 * <p>A lane moves on at most one phase per chunk and only after a chunk in the phase it is
 * in: a lane its thread was kept off the CPU for a whole phase (more threads than cores, a
 * GC pause) still contributes to every phase, late, instead of silently to none.
 */
record Timeline(long timedWarmupEnd, long warmupEnd, long latencyEnd, long end) {
    static final int TIMED_WARMUP = 0;
    static final int UNTIMED_WARMUP = 1;
    static final int LATENCY = 2;
    static final int COUNTED = 3;
    static final int OVER = 4;

    /** The phase the clock says it is. */
    int phaseAt(long now) {
        return now < timedWarmupEnd
                ? TIMED_WARMUP
                : now < warmupEnd ? UNTIMED_WARMUP : now < latencyEnd ? LATENCY : now < end ? COUNTED : OVER;
    }

    static Timeline startingAt(long now, Phases p) {
        long warmup = p.warmup().toNanos();
        long latencyEnd = now + warmup + p.latency().toNanos();
        return new Timeline(
                now + warmup / 2,
                now + warmup,
                latencyEnd,
                latencyEnd + p.throughput().toNanos());
    }
}
