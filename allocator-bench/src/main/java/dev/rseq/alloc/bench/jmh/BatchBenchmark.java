package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.bench.BenchAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Allocate N blocks, then free all N (in allocation order). Small N stays within per-CPU or
 * per-thread caches; large N overflows them and exercises the slower central structures.
 * Scores are per allocate+free pair ({@code @OperationsPerInvocation(N)}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BatchBenchmark {

    @Param({"64", "1024", "16384"})
    public long size;

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(64)
    public void batch64x1T(AllocatorState state, Lane lane) {
        batch(state.alloc, lane, 64, size);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(64)
    public void batch64x2T(AllocatorState state, Lane lane) {
        batch(state.alloc, lane, 64, size);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(4096)
    public void batch4096x1T(AllocatorState state, Lane lane) {
        batch(state.alloc, lane, 4096, size);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(4096)
    public void batch4096x2T(AllocatorState state, Lane lane) {
        batch(state.alloc, lane, 4096, size);
    }

    static void batch(BenchAllocator alloc, Lane lane, int n, long size) {
        long[] address = lane.address;
        int base = lane.base;
        for (int i = 0; i < n; i++) {
            address[i] = alloc.allocate(base + i, size);
        }
        for (int i = 0; i < n; i++) {
            alloc.free(base + i, address[i], size);
        }
    }
}
