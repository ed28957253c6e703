package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.jmh.SpscSlots;
import dev.rseq.alloc.bench.timer.Clock;

/** Frees, on its own thread, the blocks its producer allocated. Only the free is timed. */
final class ConsumerLane extends Lane {
    private final Channel channel;

    ConsumerLane(BenchAllocator allocator, Clock clock, double nsPerTick, Channel channel) {
        super(allocator, clock, nsPerTick);
        this.channel = channel;
    }

    @Override
    void fill() {}

    @Override
    int timedSteps(int steps) {
        SpscSlots ring = channel.ring;
        int n = 0;
        for (; n < steps; n++) {
            int entry = ring.poll();
            if (entry < 0) {
                break;
            }
            long t0 = clock.ticks();
            allocator.free(channel.slotBase + entry, ring.address(entry), ring.size(entry));
            long t1 = clock.ticks();
            ring.release();
            record(freeLatency, t1 - t0);
        }
        return ProducerLane.idleIfNone(n);
    }

    @Override
    int steps(int steps) {
        SpscSlots ring = channel.ring;
        int n = 0;
        for (; n < steps; n++) {
            int entry = ring.poll();
            if (entry < 0) {
                break;
            }
            allocator.free(channel.slotBase + entry, ring.address(entry), ring.size(entry));
            ring.release();
        }
        return ProducerLane.idleIfNone(n);
    }

    /** Frees what is still queued once the producer has stopped. */
    @Override
    void finishPhases() {
        SpscSlots ring = channel.ring;
        while (true) {
            int entry = ring.poll();
            if (entry >= 0) {
                allocator.free(channel.slotBase + entry, ring.address(entry), ring.size(entry));
                ring.release();
            } else if (channel.producerDone) {
                // The flag was written after the last publish: one more poll sees anything left.
                if (ring.poll() < 0) {
                    return;
                }
            } else {
                Thread.yield();
            }
        }
    }

    @Override
    void drain() {}
}
