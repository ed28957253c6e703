package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;
import java.lang.foreign.Arena;

/**
 * The JDK's own arenas, one per block: allocate opens an arena and allocates from it (the
 * JDK zeroes the memory), free closes it. Closing a shared arena is a thread-local
 * handshake with every thread, so arena-shared is expected to be slow; that is its real cost.
 */
final class JdkArenaPeer implements BenchAllocator {
    private final SlotTable<Arena> arenas;
    private final boolean shared;

    JdkArenaPeer(boolean shared, int slots) {
        this.shared = shared;
        this.arenas = new SlotTable<>(slots);
    }

    @Override
    public String name() {
        return shared ? "arena-shared" : "arena-confined";
    }

    @Override
    public long allocate(int slot, long size) {
        Arena arena = shared ? Arena.ofShared() : Arena.ofConfined();
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
    public void close() {
        // Every arena was closed by free.
    }
}
