package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.bench.BenchAllocator;

/**
 * Our allocator through its raw API. Uses the sized free, which is what a caller that
 * knows the size (every caller in these benchmarks) would use. Ignores the slot.
 */
final class OurAllocatorPeer implements BenchAllocator {
    private final PerCpuAllocator allocator;
    private final String name;

    OurAllocatorPeer(OurMode mode) {
        this.allocator = mode.newAllocator();
        this.name = mode.id();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long allocate(int slot, long size) {
        return allocator.allocate(size);
    }

    @Override
    public void free(int slot, long address, long size) {
        allocator.free(address, size);
    }

    @Override
    public HeldMemory heldMemory() {
        return OurStats.held(allocator.stats());
    }

    @Override
    public void close() {
        allocator.close();
    }
}
