package dev.rseq.alloc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.agrona.collections.LongArrayList;

/**
 * An {@link Arena} whose segments come from a {@link PerCpuAllocator}: allocation is the
 * allocator's fast path, a zeroing of the segment (unless opened uninitialized) and one list
 * append; {@link #close()} frees every block it handed out.
 *
 * <p>Temporal safety is FFM's own: every segment is bound to the scope of an internal
 * {@code Arena.ofConfined()} (or {@code ofShared()}), which close() closes first; after
 * that any access to the segments throws {@link IllegalStateException}, and only then are
 * the blocks freed. A shared arena's close waits, as {@code Arena.ofShared()} does, until
 * no thread is accessing its segments. Like the JDK's custom arenas, {@link #scope()} may
 * be given to {@code MemorySegment.reinterpret(size, arena, cleanup)}: the cleanup runs
 * when this arena closes.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public final class PerCpuArena implements Arena {
    private final PerCpuAllocator allocator;
    private final OpenArenas registry;
    private final Arena scope;
    private final boolean shared;
    private final boolean zeroed;
    private final Thread owner;
    private final LongArrayList blocks = new LongArrayList();

    PerCpuArena(PerCpuAllocator allocator, boolean shared, boolean zeroed, OpenArenas registry) {
        this.allocator = allocator;
        this.registry = registry;
        this.shared = shared;
        this.zeroed = zeroed;
        this.scope = shared ? Arena.ofShared() : Arena.ofConfined();
        this.owner = shared ? null : Thread.currentThread();
    }

    /**
     * A segment of {@code byteSize} bytes aligned to {@code byteAlignment}, valid until this
     * arena closes: zeroed, like the JDK's arenas, unless the arena was opened uninitialized.
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("negative size: " + byteSize);
        }
        if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, not " + byteAlignment);
        }
        if (owner != null && Thread.currentThread() != owner) {
            throw new WrongThreadException("confined arena owned by " + owner + " used from " + Thread.currentThread());
        }
        if (!scope.scope().isAlive()) {
            throw new IllegalStateException("Already closed");
        }
        long address = allocator.allocateForArena(Math.max(1, byteSize), byteAlignment, zeroed);
        if (shared) {
            synchronized (blocks) {
                blocks.addLong(address);
            }
        } else {
            blocks.addLong(address);
        }
        return MemorySegment.ofAddress(address).reinterpret(byteSize, scope, null);
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    /**
     * True for segments that come zeroed.
     *
     * @return false for an arena opened uninitialized
     */
    public boolean zeroed() {
        return zeroed;
    }

    /**
     * Blocks this arena holds now.
     *
     * @return blocks allocated and not yet freed by {@link #close()}
     */
    public int blockCount() {
        if (shared) {
            synchronized (blocks) {
                return blocks.size();
            }
        }
        return blocks.size();
    }

    /**
     * Invalidates every segment (running the cleanups registered on this arena's scope), then
     * frees every block.
     *
     * @throws IllegalStateException if already closed (or, shared, while a segment is being accessed)
     * @throws WrongThreadException  for a confined arena closed from another thread
     */
    @Override
    public void close() {
        scope.close();
        long[] toFree;
        if (shared) {
            synchronized (blocks) {
                toFree = blocks.toLongArray();
                blocks.clear();
            }
        } else {
            toFree = blocks.toLongArray();
            blocks.clear();
        }
        try {
            for (long address : toFree) {
                allocator.free(address);
            }
        } finally {
            registry.closed(this);
        }
    }

    @Override
    public String toString() {
        return (shared ? "shared" : "confined") + " arena" + (owner == null ? "" : " of " + owner.getName()) + " with "
                + blockCount() + " blocks";
    }
}
