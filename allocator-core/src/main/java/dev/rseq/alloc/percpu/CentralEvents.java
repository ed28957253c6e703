package dev.rseq.alloc.percpu;

import dev.rseq.alloc.central.CentralCache;
import dev.rseq.alloc.jfr.CentralTransferEvent;

/**
 * A per-CPU tier's batch moves to and from the central tier, each timed as a {@link
 * CentralTransferEvent} (committed only when the recording wants it).
 */
final class CentralEvents {
    private CentralEvents() {}

    /** {@code central.remove(c, out, off, n)}, recorded for {@code tier}. */
    static void remove(CentralCache central, int c, long blockSize, long[] out, int off, int n, String tier) {
        CentralTransferEvent event = new CentralTransferEvent();
        event.begin();
        central.remove(c, out, off, n);
        commit(event, c, blockSize, n, "remove", tier);
    }

    /** {@code central.insert(c, in, off, n)}, recorded for {@code tier}. */
    static void insert(CentralCache central, int c, long blockSize, long[] in, int off, int n, String tier) {
        CentralTransferEvent event = new CentralTransferEvent();
        event.begin();
        central.insert(c, in, off, n);
        commit(event, c, blockSize, n, "insert", tier);
    }

    private static void commit(
            CentralTransferEvent event, int c, long blockSize, int blocks, String direction, String tier) {
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
