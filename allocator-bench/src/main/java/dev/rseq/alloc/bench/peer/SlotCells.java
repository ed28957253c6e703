package dev.rseq.alloc.bench.peer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A preallocated buffer with a 16-byte cell per slot: the "block" the floor rows hand out,
 * so the harness's write to every block lands in real memory without any allocator.
 */
final class SlotCells implements AutoCloseable {
    static final long CELL = 16;
    private final Arena arena = Arena.ofShared();
    private final long base;

    SlotCells(int slots) {
        MemorySegment buffer = arena.allocate(Math.max(1, slots) * CELL, 64);
        this.base = buffer.address();
    }

    long address(int slot) {
        return base + slot * CELL;
    }

    @Override
    public void close() {
        arena.close();
    }
}
