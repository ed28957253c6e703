package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.peer.Peers;
import dev.rseq.alloc.sizeclass.SizeClasses;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * How close a Java-side cache can get to the native mallocs at all: the churn step of {@code
 * compare} (free a random one of 1,024 live blocks, allocate a "mixed" size in its place, write
 * the new block) for ours, the native peers through FFM, and {@code java-stacks}, the least a
 * Java cache can do per call. {@code java-stacks} keeps one LIFO stack of blocks per size class
 * in the JMH thread's own state: no thread lookup (JMH hands each thread its state), no
 * validation of a free, no capacity bookkeeping beyond a bound, and blocks from our allocator
 * on a miss. What it costs above {@code floor} is what any Java cache with our size classes
 * costs on this step; what ours costs above it is the thread lookup, the layout and the
 * default-mode checks. One op = one free + one allocate (a churn step, or {@link #pair1T}'s
 * pair). Since only ratios
 * from one run carry on these machines, run every {@code cache} value in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class JavaCacheFloorBenchmark {
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** Live blocks per thread, as {@code compare}'s churn. */
    static final int WORKING_SET = 1024;

    /** The pair's block size (its slot is the lane's first past the working set). */
    static final long PAIR_SIZE = 64;

    /** The allocator shared by the benchmark's threads (the stacks' backing allocator for java-stacks). */
    @State(Scope.Benchmark)
    public static class Shared {
        /** A peer id ({@code allocator-bench compare --list}), or {@code java-stacks}. */
        @Param({"rseq", "tcmalloc", "mimalloc", "malloc", "java-stacks", "floor"})
        public String cache;

        BenchAllocator peer;
        PerCpuAllocator backing;
        /** Lanes still holding blocks: the last one to drain closes the allocators (JMH may tear this state down first). */
        private final AtomicInteger lanes = new AtomicInteger();

        private boolean closed;

        @Setup(Level.Trial)
        public void open() {
            if (cache.equals("java-stacks")) {
                backing = PerCpuAllocator.builder().build();
            } else {
                peer = Peers.byId(cache).open(AllocatorState.MAX_THREADS * AllocatorState.LANE);
            }
        }

        void join() {
            lanes.incrementAndGet();
        }

        void leave() {
            if (lanes.decrementAndGet() == 0) {
                close();
            }
        }

        @TearDown(Level.Trial)
        public synchronized void close() {
            if (closed || lanes.get() > 0) {
                return;
            }
            closed = true;
            if (peer != null) {
                peer.close();
            }
            if (backing != null) {
                backing.close();
            }
        }
    }

    /**
     * One thread's live blocks and victims, and (java-stacks) its stacks; its slots and
     * pre-drawn mixed sizes are the thread's {@link Lane}, as in the other JMH benchmarks.
     */
    @State(Scope.Thread)
    public static class Churn {
        BenchAllocator alloc;
        Shared shared;
        Lane lane;
        int slotBase;
        final long[] address = new long[WORKING_SET];
        final long[] size = new long[WORKING_SET];
        long random;

        @Setup(Level.Trial)
        public void fill(Shared shared, Lane lane, ThreadParams thread) {
            this.shared = shared;
            this.lane = lane;
            shared.join();
            alloc = shared.peer != null ? shared.peer : new JavaStacks(shared.backing);
            slotBase = lane.base;
            random = (thread.getThreadIndex() + 1) * 0x9E3779B97F4A7C15L | 1;
            for (int i = 0; i < WORKING_SET; i++) {
                size[i] = lane.nextSize();
                address[i] = alloc.allocate(slotBase + i, size[i]);
                EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, address[i], address[i]);
            }
        }

        @TearDown(Level.Trial)
        public void drain() {
            for (int i = 0; i < WORKING_SET; i++) {
                alloc.free(slotBase + i, address[i], size[i]);
            }
            if (alloc instanceof JavaStacks stacks) {
                stacks.close();
            }
            shared.leave();
        }

        long step() {
            long r = random;
            r ^= r << 13;
            r ^= r >>> 7;
            r ^= r << 17;
            random = r;
            int i = (int) (((r >>> 32) * WORKING_SET) >>> 32);
            long s = lane.nextSize();
            alloc.free(slotBase + i, address[i], size[i]);
            long a = alloc.allocate(slotBase + i, s);
            EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, a, a);
            address[i] = a;
            size[i] = s;
            return a;
        }

        /** Issue 9's tight pair, through the same interface: allocate 64 B, write it, free it. */
        long pair() {
            long a = alloc.allocate(slotBase + WORKING_SET, PAIR_SIZE);
            EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, a, a);
            alloc.free(slotBase + WORKING_SET, a, PAIR_SIZE);
            return a;
        }
    }

    /**
     * The least a Java cache does per call: one bounded LIFO stack per size class, owned by
     * one thread and reached without a lookup. Not an allocator anyone should use (a free is
     * not validated; the stacks are confined to the thread that made them).
     */
    static final class JavaStacks implements BenchAllocator {
        private static final int DEPTH = 1024;
        private final PerCpuAllocator backing;
        private final long[][] stacks = new long[SizeClasses.COUNT][DEPTH];
        private final int[] top = new int[SizeClasses.COUNT];
        private final SizeClasses classes = new SizeClasses();

        JavaStacks(PerCpuAllocator backing) {
            this.backing = backing;
        }

        @Override
        public String name() {
            return "java-stacks";
        }

        @Override
        public long allocate(int slot, long size) {
            int c = SizeClasses.classOf(size);
            int n = top[c];
            if (n == 0) {
                return backing.allocate(classes.size(c));
            }
            top[c] = n - 1;
            return stacks[c][n - 1];
        }

        @Override
        public void free(int slot, long address, long size) {
            int c = SizeClasses.classOf(size);
            int n = top[c];
            if (n == DEPTH) {
                backing.free(address, classes.size(c));
                return;
            }
            stacks[c][n] = address;
            top[c] = n + 1;
        }

        @Override
        public void close() {
            for (int c = 1; c < SizeClasses.COUNT; c++) {
                for (int n = 0; n < top[c]; n++) {
                    backing.free(stacks[c][n], classes.size(c));
                }
                top[c] = 0;
            }
        }
    }

    @Benchmark
    @Threads(1)
    public long churn1T(Churn lane) {
        return lane.step();
    }

    @Benchmark
    @Threads(2)
    public long churn2T(Churn lane) {
        return lane.step();
    }

    /**
     * One 64 B allocate, write and free on a thread that also holds the churn's 1,024 blocks:
     * what the pair costs each cache, so that the pair's ratio to the peers and the least a
     * Java cache pays for it come from one run.
     */
    @Benchmark
    @Threads(1)
    public long pair1T(Churn lane) {
        return lane.pair();
    }
}
