package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.timer.Clock;

/**
 * Allocates blocks, writes them and hands them to its consumer through the channel; the
 * consumer frees them on its own thread. Only the allocation is timed. When the ring is full
 * the chunk ends early (the consumer is behind), and an empty chunk yields the CPU so that,
 * with more threads than cores, the consumer gets to run.
 */
final class ProducerLane extends Lane {
    private final Channel channel;
    private final long[] sizes;
    private final int sizeMask;
    private int next;

    ProducerLane(BenchAllocator allocator, Clock clock, double nsPerTick, Channel channel, long[] sizes) {
        super(allocator, clock, nsPerTick);
        if (Integer.bitCount(sizes.length) != 1) {
            throw new IllegalArgumentException("size table length must be a power of two");
        }
        this.channel = channel;
        this.sizes = sizes;
        this.sizeMask = sizes.length - 1;
    }

    @Override
    void fill() {}

    @Override
    int timedSteps(int steps) {
        int n = 0;
        for (; n < steps; n++) {
            int entry = channel.ring.claim();
            if (entry < 0) {
                break;
            }
            long s = sizes[next++ & sizeMask];
            long t0 = clock.ticks();
            long a = allocator.allocate(channel.slotBase + entry, s);
            long t1 = clock.ticks();
            Blocks.write(a, a);
            channel.ring.publish(entry, a, s);
            record(allocLatency, t1 - t0);
        }
        return idleIfNone(n);
    }

    @Override
    int steps(int steps) {
        int n = 0;
        for (; n < steps; n++) {
            int entry = channel.ring.claim();
            if (entry < 0) {
                break;
            }
            long s = sizes[next++ & sizeMask];
            long a = allocator.allocate(channel.slotBase + entry, s);
            Blocks.write(a, a);
            channel.ring.publish(entry, a, s);
        }
        return idleIfNone(n);
    }

    static int idleIfNone(int ops) {
        if (ops == 0) {
            Thread.yield();
        }
        return ops;
    }

    /** Every block it made is in the ring now; the consumer frees them. */
    @Override
    void stop() {
        channel.producerDone = true;
    }

    @Override
    void drain() {}
}
