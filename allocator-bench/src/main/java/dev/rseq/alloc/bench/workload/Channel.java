package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.jmh.SpscSlots;

/**
 * What a producer and its consumer share: the ring that carries blocks (its entry index is
 * the block's slot, offset by the pair's slot base) and the producer's "no more blocks" flag.
 */
final class Channel {
    static final int CAPACITY = 1024;

    final SpscSlots ring = new SpscSlots(CAPACITY);
    final int slotBase;
    /** Written after the producer's last publish: once seen, a final poll sees every block. */
    volatile boolean producerDone;

    Channel(int slotBase) {
        this.slotBase = slotBase;
    }
}
