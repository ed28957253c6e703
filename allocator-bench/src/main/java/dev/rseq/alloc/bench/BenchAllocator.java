package dev.rseq.alloc.bench;

/**
 * One allocator as the benchmarks see it: allocate and free raw off-heap blocks.
 *
 * <p>Every call names a <em>slot</em>: the caller's index of the live block (thread t of a
 * harness owns slots {@code [t * W, (t + 1) * W)}). Allocators whose blocks are Java objects
 * (Netty's ByteBuf, a JDK Arena, a direct ByteBuffer) keep those objects in their own table
 * indexed by slot, so the interface passes only primitives and the raw-pointer allocators
 * (ours, malloc, ...) stay allocation-free: they ignore the slot. A slot holds at most one
 * live block; a block may be freed on another thread when {@link #crossThreadFree()} is
 * true, provided the hand-over itself is a happens-before edge (a queue).
 */
public interface BenchAllocator extends AutoCloseable {

    /** Name printed in tables; says which implementation really runs (e.g. an LD_PRELOAD). */
    String name();

    /** Allocates {@code size} bytes for {@code slot} and returns the block's address. */
    long allocate(int slot, long size);

    /** Frees the block that {@link #allocate} returned for {@code slot}. */
    void free(int slot, long address, long size);

    /** False when a block must be freed by the thread that allocated it (confined arenas). */
    default boolean crossThreadFree() {
        return true;
    }

    /**
     * False for the floor and baseline rows: their "block" is a 16-byte cell per slot, enough
     * for the harness's 8-byte write but not the requested size.
     */
    default boolean realMemory() {
        return true;
    }

    /** The allocator's own account of the memory it holds, or {@code null} if it keeps none. */
    default HeldMemory heldMemory() {
        return null;
    }

    @Override
    void close();

    /**
     * Bytes the allocator itself reports holding, with a note on what the figure counts
     * (each allocator defines it differently; comparing them is only roughly meaningful),
     * and of those the bytes sitting in its caches when it reports that separately.
     *
     * @param cached bytes in free-block caches, or -1 when the allocator does not say
     */
    record HeldMemory(long bytes, long cached, String what) {
        public HeldMemory(long bytes, String what) {
            this(bytes, -1, what);
        }
    }
}
