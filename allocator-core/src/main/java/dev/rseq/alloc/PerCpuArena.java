package dev.rseq.alloc;

import org.agrona.collections.LongArrayList;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An {@link Arena} whose segments come from a {@link PerCpuAllocator}: allocation is the
 * allocator's fast path plus one list append, and {@link #close()} frees every block it
 * handed out.
 *
 * <p>Temporal safety is FFM's own: every segment is bound to the scope of an internal
 * {@code Arena.ofConfined()} (or {@code ofShared()}), which close() closes first; after
 * that any access to the segments throws {@link IllegalStateException}, and only then are
 * the blocks freed. A shared arena's close waits, as {@code Arena.ofShared()} does, until
 * no thread is accessing its segments.
 */
public final class PerCpuArena implements Arena {
    private final PerCpuAllocator allocator;
    private final Arena scope;
    private final boolean shared;
    private final Thread owner;
    private final LongArrayList blocks = new LongArrayList();

    PerCpuArena(PerCpuAllocator allocator, boolean shared) {
        this.allocator = allocator;
        this.shared = shared;
        this.scope = shared ? Arena.ofShared() : Arena.ofConfined();
        this.owner = shared ? null : Thread.currentThread();
    }

    /**
     * A segment of {@code byteSize} bytes aligned to {@code byteAlignment}, valid until this
     * arena closes. Its contents are unspecified (not zeroed), like malloc's.
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
        long size = Math.max(1, byteSize);
        long address = byteAlignment <= 8 ? allocator.allocate(size) : allocator.allocateAligned(size, byteAlignment);
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

    /** Blocks this arena holds now. */
    public int blockCount() {
        if (shared) {
            synchronized (blocks) {
                return blocks.size();
            }
        }
        return blocks.size();
    }

    /**
     * Invalidates every segment, then frees every block.
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
        for (long address : toFree) {
            allocator.free(address);
        }
    }
}
