package dev.rseq.alloc.bench.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A Netty direct buffer's life as a handler sees it: {@code directBuffer(size)}, write
 * {@code size} bytes into it, {@code release()}. One op = the three.
 *
 * <p>The forks let Netty's pooled and adaptive allocators give JMH's plain threads the
 * per-thread caches they give event-loop threads (without these two properties a plain
 * thread gets none), so all three allocators run as they would on an event loop.
 *
 * <p>Five warm-up iterations, not three: our path goes through FFM downcalls, which are
 * slow until C2 has compiled them; on a loaded 2-core machine that took about 5 s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Dio.netty.allocator.useCacheForAllThreads=true",
            "-Dio.netty.allocator.useCachedMagazinesForNonEventLoopThreads=true"
        })
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class NettyAllocBenchmark {

    /** Not named "allocator": the jmh command fills that parameter with the allocate/free peers. */
    @Param({NettyAllocators.PER_CPU, NettyAllocators.POOLED, NettyAllocators.ADAPTIVE})
    public String nettyAllocator;

    @Param({"256", "8192", "65536"})
    public int size;

    private ByteBufAllocator alloc;
    private byte[] payload;

    @Setup
    public void setUp() {
        alloc = NettyAllocators.create(nettyAllocator);
        payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) i;
        }
    }

    @Benchmark
    @Threads(1)
    public int allocWriteRelease1T() {
        return cycle(alloc, payload);
    }

    @Benchmark
    @Threads(2)
    public int allocWriteRelease2T() {
        return cycle(alloc, payload);
    }

    static int cycle(ByteBufAllocator alloc, byte[] payload) {
        ByteBuf buf = alloc.directBuffer(payload.length);
        buf.writeBytes(payload);
        int last = buf.getByte(payload.length - 1);
        buf.release();
        return last;
    }
}
