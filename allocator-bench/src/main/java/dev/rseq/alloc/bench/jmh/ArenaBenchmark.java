package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.bench.peer.OurMode;
import java.lang.foreign.Arena;
import java.lang.foreign.SegmentAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The Arena / SegmentAllocator path: open an arena, allocate from it through the
 * SegmentAllocator interface, close it (which frees everything). Our PerCpuArena against
 * the JDK's arenas. Scores are per allocation; the arena open and close are spread over the
 * allocations of one arena (1 or 16).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ArenaBenchmark {

    /** Ours and the JDK's zero what they hand out; rseq-uninitialized-confined does not (the price of zeroing). */
    @Param({"rseq-confined", "rseq-shared", "rseq-uninitialized-confined", "jdk-confined", "jdk-shared"})
    public String arena;

    @Param({"64", "1024"})
    public long size;

    private PerCpuAllocator ours;

    @Setup(Level.Trial)
    public void setup() {
        if (arena.startsWith("rseq-")) {
            ours = OurMode.DEFAULT.newAllocator();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ours != null) {
            ours.close();
        }
    }

    private Arena open() {
        return switch (arena) {
            case "rseq-confined" -> ours.newConfinedArena();
            case "rseq-shared" -> ours.newSharedArena();
            case "rseq-uninitialized-confined" -> ours.newUninitializedConfinedArena();
            case "jdk-confined" -> Arena.ofConfined();
            case "jdk-shared" -> Arena.ofShared();
            default -> throw new IllegalArgumentException("unknown arena " + arena);
        };
    }

    @Benchmark
    @Threads(1)
    public long oneBlock1T() {
        try (Arena a = open()) {
            return allocate(a);
        }
    }

    @Benchmark
    @Threads(2)
    public long oneBlock2T() {
        try (Arena a = open()) {
            return allocate(a);
        }
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(16)
    public void sixteenBlocks1T(Blackhole bh) {
        try (Arena a = open()) {
            for (int i = 0; i < 16; i++) {
                bh.consume(allocate(a));
            }
        }
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(16)
    public void sixteenBlocks2T(Blackhole bh) {
        try (Arena a = open()) {
            for (int i = 0; i < 16; i++) {
                bh.consume(allocate(a));
            }
        }
    }

    /** Through the SegmentAllocator interface, as library code that takes an allocator would call it. */
    private long allocate(SegmentAllocator allocator) {
        return allocator.allocate(size).address();
    }
}
