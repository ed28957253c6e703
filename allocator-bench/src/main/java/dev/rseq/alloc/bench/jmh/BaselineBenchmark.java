package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.bench.peer.EmptyDowncall;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Floors: one empty critical FFM downcall (the least any FFM-based allocate or free can cost),
 * one System.nanoTime() (what compare's per-op timing adds), and a pop+push pair on a bare
 * Java array stack (the least any Java-side cache such as our thread cache can cost per pair:
 * no thread lookup, no checks, no allocator).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BaselineBenchmark {

    @Setup(Level.Trial)
    public void announce() {
        System.out.println("emptyDowncall calls " + EmptyDowncall.LABEL);
    }

    @Benchmark
    public long emptyDowncall() {
        return EmptyDowncall.call();
    }

    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }

    private final long[] stack = new long[32];
    private int top = 16;

    @Benchmark
    public long javaArrayStackPair() {
        long p = 0;
        int t = top;
        if (t > 0) {
            top = --t;
            p = stack[t];
        }
        t = top;
        if (t < stack.length) {
            stack[t] = p;
            top = t + 1;
        }
        return p;
    }
}
