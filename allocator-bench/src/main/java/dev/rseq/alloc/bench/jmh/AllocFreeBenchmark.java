package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.bench.BenchAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Allocate one block and free it at once: the fast path of every allocator (the block comes
 * straight back from the cache it went to). One op = one allocate + one free.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AllocFreeBenchmark {

    @Param({"16", "64", "256", "1024", "4096", "16384", "65536"})
    public long size;

    @Benchmark
    @Threads(1)
    public long fixedSize1T(AllocatorState state, Lane lane) {
        return pair(state.alloc, lane.base, size);
    }

    @Benchmark
    @Threads(2)
    public long fixedSize2T(AllocatorState state, Lane lane) {
        return pair(state.alloc, lane.base, size);
    }

    static long pair(BenchAllocator alloc, int slot, long size) {
        long address = alloc.allocate(slot, size);
        alloc.free(slot, address, size);
        return address;
    }
}
