package dev.rseq.alloc.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Allocate-then-free pairs with sizes from the "mixed" distribution (50% 16-64 B ... 5% up
 * to 64 KiB), pre-drawn per thread so every allocator sees the same sequence. Size classes
 * change from one op to the next, so branch predictors and per-class caches work harder
 * than in {@link AllocFreeBenchmark}. One op = one allocate + one free.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MixedSizeBenchmark {

    @Benchmark
    @Threads(1)
    public long mixed1T(AllocatorState state, Lane lane) {
        return AllocFreeBenchmark.pair(state.alloc, lane.base, lane.nextSize());
    }

    @Benchmark
    @Threads(2)
    public long mixed2T(AllocatorState state, Lane lane) {
        return AllocFreeBenchmark.pair(state.alloc, lane.base, lane.nextSize());
    }
}
