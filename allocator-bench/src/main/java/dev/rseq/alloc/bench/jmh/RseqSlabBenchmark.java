package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.percpu.RseqSlab;
import dev.rseq.alloc.percpu.SlabLayout;
import dev.rseq.alloc.rseq.RseqNative;
import dev.rseq.alloc.sizeclass.SizeClasses;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The native seam alone: one rseq pop + one rseq push on the per-CPU slab through two
 * critical FFM downcalls, a batch pop + batch push of 16 pointers (two downcalls moving 32),
 * and, in the same run, the empty critical downcall they are compared with.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RseqSlabBenchmark {
    private final SizeClasses sizes = new SizeClasses();
    private RseqSlab slab;
    private int cls;
    private final long[] buf = new long[16];

    @Setup
    public void setup() {
        if (!RseqNative.attachCurrentThread().usesRseq()) {
            throw new IllegalStateException("rseq is not usable on this thread: run doctor");
        }
        slab = new RseqSlab(sizes, new SlabLayout(sizes), 1L << 30);
        cls = sizes.classOf(64);
        for (int i = 0; i < 16; i++) {
            slab.push(cls, 4096L * (i + 1)); // seed: pops find something on any cpu we start on
        }
    }

    @Benchmark
    public long emptyCriticalDowncall() {
        return RseqNative.noop();
    }

    /** One pointer out and back: what a per-operation design pays per allocate+free pair. */
    @Benchmark
    public long popPushPair() {
        long p = slab.pop(cls);
        if (p <= 0) {
            p = 4096; // empty after a migration to an unseeded cpu: push something back
        }
        slab.push(cls, p);
        return p;
    }

    /** Sixteen pointers out and back in two downcalls. */
    @Benchmark
    public long batchPopPush16() {
        long n = slab.popBatch(cls, buf, 0, 16);
        if (n <= 0) {
            return n;
        }
        return slab.pushBatch(cls, buf, 0, (int) n);
    }
}
