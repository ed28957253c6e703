package dev.rseq.alloc.bench.workload;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The one write every workload makes to every block it allocates: 8 bytes at the block's
 * start, so an allocator that hands out memory it has not touched (or touched long ago)
 * pays for it here, as its users would. Through one segment over the whole address space:
 * no segment object per block, only a bounds check the JIT folds away.
 */
final class Blocks {
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private Blocks() {}

    static void write(long address, long value) {
        EVERYTHING.set(ValueLayout.JAVA_LONG_UNALIGNED, address, value);
    }
}
