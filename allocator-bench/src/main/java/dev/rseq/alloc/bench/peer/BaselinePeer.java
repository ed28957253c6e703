package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;

/**
 * Not an allocator: each allocate and free is one empty critical downcall, and allocate
 * returns the slot's cell in a preallocated buffer (as the floor row does), so its row is
 * the harness plus the cost of one FFM call per op: the floor of anything FFM-based.
 */
final class BaselinePeer implements BenchAllocator {
    private final SlotCells cells;

    BaselinePeer(int slots) {
        this.cells = new SlotCells(slots);
    }

    @Override
    public String name() {
        return EmptyDowncall.IS_RA_NOOP ? "baseline(ra_noop)" : "baseline(labs stand-in)";
    }

    @Override
    public long allocate(int slot, long size) {
        EmptyDowncall.call();
        return cells.address(slot);
    }

    @Override
    public void free(int slot, long address, long size) {
        EmptyDowncall.call();
    }

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
