package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.peer.Peers;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The allocator under test, shared by the benchmark's threads. The {@code @Param} default
 * lists every catalog id; {@code allocator-bench jmh} replaces it with the ids available on
 * this machine unless {@code -p allocator=...} is given. An unavailable one fails its setup
 * with the skip message, and JMH moves on to the next.
 */
@State(Scope.Benchmark)
public class AllocatorState {
    /** Slots per thread (lane); a thread's blocks use slots [lane * LANE, (lane + 1) * LANE). */
    public static final int LANE = 8192;
    /** Threads a benchmark may run with. */
    public static final int MAX_THREADS = 64;

    @Param({
        "rseq",
        "rseq-direct",
        "rseq-cas",
        "rseq-checked",
        "rseq-zeroed",
        "rseq-arena-confined",
        "rseq-arena-shared",
        "malloc",
        "tcmalloc",
        "jemalloc",
        "mimalloc",
        "arena-confined",
        "arena-shared",
        "unsafe",
        "bytebuffer",
        "netty-pooled",
        "netty-adaptive",
        "baseline",
        "floor"
    })
    public String allocator;

    public BenchAllocator alloc;

    @Setup(Level.Trial)
    public void open() {
        alloc = Peers.byId(allocator).open(MAX_THREADS * LANE);
    }

    @TearDown(Level.Trial)
    public void close() {
        alloc.close();
    }
}
