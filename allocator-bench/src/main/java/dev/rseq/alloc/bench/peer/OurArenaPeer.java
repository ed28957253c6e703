package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.PerCpuArena;
import dev.rseq.alloc.bench.BenchAllocator;

/**
 * Our allocator through the {@link java.lang.foreign.Arena} API, one arena per block:
 * allocate opens a {@link PerCpuArena} and allocates from it, free closes it. This is the
 * like-for-like row for {@link JdkArenaPeer}; the JMH ArenaBenchmark measures arenas that
 * hold a batch of blocks.
 */
final class OurArenaPeer implements BenchAllocator {
    private final PerCpuAllocator allocator = OurMode.DEFAULT.newAllocator();
    private final SlotTable<PerCpuArena> arenas;
    private final boolean shared;

    OurArenaPeer(boolean shared, int slots) {
        this.shared = shared;
        this.arenas = new SlotTable<>(slots);
    }

    @Override
    public String name() {
        return shared ? "rseq-arena-shared" : "rseq-arena-confined";
    }

    @Override
    public long allocate(int slot, long size) {
        PerCpuArena arena = shared ? allocator.newSharedArena() : allocator.newConfinedArena();
        arenas.put(slot, arena);
        return arena.allocate(size).address();
    }

    @Override
    public void free(int slot, long address, long size) {
        arenas.take(slot).close();
    }

    @Override
    public boolean crossThreadFree() {
        return shared;
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
