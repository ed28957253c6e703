package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.FastPath;
import dev.rseq.alloc.PerCpuAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Our allocate+free pair called straight on {@link PerCpuAllocator}, as a user's code calls it:
 * no {@code BenchAllocator} interface and no slot table in between (AllocFreeBenchmark goes
 * through both so that every peer pays the same harness). The difference between the two is
 * the harness, not the allocator.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FastPathBenchmark {

    @Param({"THREAD_CACHE", "PER_CPU_DIRECT"})
    public FastPath fastPath;

    @Param({"64"})
    public long size;

    private PerCpuAllocator allocator;

    @Setup(Level.Trial)
    public void open() {
        allocator = PerCpuAllocator.builder().fastPath(fastPath).build();
    }

    @TearDown(Level.Trial)
    public void close() {
        allocator.close();
    }

    @Benchmark
    @Threads(1)
    public long sizedPair1T() {
        long address = allocator.allocate(size);
        allocator.free(address, size);
        return address;
    }

    @Benchmark
    @Threads(1)
    public long unsizedPair1T() {
        long address = allocator.allocate(size);
        allocator.free(address);
        return address;
    }

    @Benchmark
    @Threads(2)
    public long sizedPair2T() {
        long address = allocator.allocate(size);
        allocator.free(address, size);
        return address;
    }
}
