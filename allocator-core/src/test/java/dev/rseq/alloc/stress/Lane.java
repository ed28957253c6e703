package dev.rseq.alloc.stress;

import dev.rseq.alloc.PerCpuAllocator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One allocator instance of a run and the queue its threads hand blocks through. A block
 * never leaves its lane: it must be freed to the allocator that made it.
 */
final class Lane {
    final StressMode mode;
    final PerCpuAllocator allocator;
    final BlockingQueue<Block> handoff = new ArrayBlockingQueue<>(4096);
    final long casOperationsAtStart;

    Lane(StressMode mode, int threads, boolean pressure) {
        this.mode = mode;
        this.allocator = mode.newAllocator(threads, pressure);
        this.casOperationsAtStart = allocator.stats().casOperations();
    }

    String label() {
        return mode.label();
    }
}
