package dev.rseq.alloc.percpu;

import dev.rseq.alloc.jfr.CentralTransferEvent;

/** Fills and commits a {@link CentralTransferEvent} begun by a tier, when the recording wants it. */
final class CentralEvents {
    private CentralEvents() {}

    static void commit(CentralTransferEvent event, int c, long blockSize, int blocks, String direction, String tier) {
        event.end();
        if (event.shouldCommit()) {
            event.sizeClass = c;
            event.blockSize = blockSize;
            event.blocks = blocks;
            event.direction = direction;
            event.tier = tier;
            event.commit();
        }
    }
}
