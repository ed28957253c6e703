package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.bench.BenchAllocator;

/**
 * Our allocator through its raw API. Uses the sized free, which is what a caller that
 * knows the size (every caller in these benchmarks) would use. Ignores the slot. The
 * zeroed variant allocates with {@code allocateZeroed} (calloc): the cost of zeroing per
 * size, against {@code arena-confined}, whose memory the JDK zeroes too.
 */
final class OurAllocatorPeer implements BenchAllocator {
    private final PerCpuAllocator allocator;
    private final String name;
    private final boolean zeroed;

    OurAllocatorPeer(OurMode mode) {
        this(mode, false);
    }

    OurAllocatorPeer(OurMode mode, boolean zeroed) {
        this.allocator = mode.newAllocator();
        this.name = zeroed ? mode.id() + "-zeroed" : mode.id();
        this.zeroed = zeroed;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long allocate(int slot, long size) {
        return zeroed ? allocator.allocateZeroed(size) : allocator.allocate(size);
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
