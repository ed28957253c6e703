package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;

/**
 * Not an allocator: each allocate and free is one empty critical downcall, so its row shows
 * the floor of the harness (loop, timer reads, one FFM call). Its "addresses" are not memory.
 */
final class BaselinePeer implements BenchAllocator {

    @Override
    public String name() {
        return EmptyDowncall.IS_RA_NOOP ? "baseline(ra_noop)" : "baseline(labs stand-in)";
    }

    @Override
    public long allocate(int slot, long size) {
        // Non-zero so harness null checks behave as for a real block.
        return EmptyDowncall.call() | 0x1000;
    }

    @Override
    public void free(int slot, long address, long size) {
        EmptyDowncall.call();
    }

    @Override
    public boolean realMemory() {
        return false;
    }

    @Override
    public void close() {
    }
}
