package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;

/**
 * No allocator at all: allocate returns the slot's fixed cell in a preallocated buffer and
 * free does nothing. Its row is the harness alone (slot and size choice, timer reads, the
 * block write, thread handling), so the difference between any row and this one is that
 * allocator's own share.
 */
final class FloorPeer implements BenchAllocator {
    private final SlotCells cells;

    FloorPeer(int slots) {
        this.cells = new SlotCells(slots);
    }

    @Override
    public String name() {
        return "floor(no allocator)";
    }

    @Override
    public long allocate(int slot, long size) {
        return cells.address(slot);
    }

    @Override
    public void free(int slot, long address, long size) {}

    /** Its cells are 16 bytes, not blocks of the requested size. */
    @Override
    public boolean realMemory() {
        return false;
    }

    @Override
    public void close() {
        cells.close();
    }
}
