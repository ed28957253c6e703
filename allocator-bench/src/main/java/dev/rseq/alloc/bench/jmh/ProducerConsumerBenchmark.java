package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.peer.Peers;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * One thread allocates, another frees: every block crosses threads (and usually CPUs), the
 * pattern of a pipeline handing buffers downstream. Throughput per method; the producer's
 * score is blocks allocated per second. Both sides spin on a full/empty ring and leave the
 * spin when JMH ends the iteration, so neither can hang the other.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ProducerConsumerBenchmark {

    /** Per group: its own allocator instance and ring. */
    @State(Scope.Group)
    public static class Channel {
        /** Only allocators that allow freeing on another thread (no confined arenas). */
        @Param({
            "rseq",
            "rseq-direct",
            "rseq-cas",
            "rseq-checked",
            "rseq-zeroed",
            "rseq-arena-shared",
            "malloc",
            "tcmalloc",
            "jemalloc",
            "mimalloc",
            "arena-shared",
            "unsafe",
            "bytebuffer",
            "netty-pooled",
            "netty-adaptive"
        })
        public String crossThreadAllocator;

        @Param({"64", "1024"})
        public long size;

        BenchAllocator alloc;
        final SpscSlots ring = new SpscSlots(1024);

        @Setup(Level.Trial)
        public void open() {
            alloc = Peers.byId(crossThreadAllocator).open(ring.capacity());
            if (!alloc.crossThreadFree()) {
                throw new IllegalStateException(crossThreadAllocator + " cannot free on another thread");
            }
        }

        /** Blocks still in the ring at the end of an iteration are freed here. */
        @TearDown(Level.Iteration)
        public void drain() {
            int slot;
            while ((slot = ring.poll()) >= 0) {
                alloc.free(slot, ring.address(slot), ring.size(slot));
                ring.release();
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            alloc.close();
        }
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void produce(Channel ch, Control control) {
        int slot;
        while ((slot = ch.ring.claim()) < 0) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
        long size = ch.size;
        ch.ring.publish(slot, ch.alloc.allocate(slot, size), size);
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void consume(Channel ch, Control control) {
        int slot;
        while ((slot = ch.ring.poll()) < 0) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
        ch.alloc.free(slot, ch.ring.address(slot), ch.ring.size(slot));
        ch.ring.release();
    }
}
