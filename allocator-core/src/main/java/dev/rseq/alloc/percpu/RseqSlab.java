package dev.rseq.alloc.percpu;

import dev.rseq.alloc.rseq.RseqNative;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The mechanics of the rseq per-CPU slab: one region per cpu (or mm_cid), each class a
 * stack of pointers committed by librseqalloc's critical sections; no policy here (that is
 * {@link RseqPerCpuTier}). Only threads in an rseq mode touch it (the sections refuse on
 * other threads), so it never shares memory with CAS code.
 *
 * <p>Two kinds of writers: critical sections on the region's own cpu (atomic against each
 * other by rseq), and remote editors (drain, retire) which first stop the region: they set
 * the control word, then {@link RseqNative#fence} aborts every section in flight there;
 * sections that start afterwards read the control word and return STOPPED. Until the
 * editor clears the word it is the region's only writer. Editors serialise on
 * {@link #editLock}.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
final class RseqSlab {
    /** Volatile access to a region's control word: (segment, byte offset). */
    private static final VarHandle CONTROL = ValueLayout.JAVA_LONG.varHandle();

    private final SlabLayout layout;
    private final int regions;
    private final long base;
    private final long regionSize;
    private final long bytes;
    private final MemorySegment memory;
    private final ReentrantLock editLock = new ReentrantLock();
    private boolean retired;

    RseqSlab(SlabLayout layout, int regions) {
        SlabLayout.checkContract();
        this.layout = layout;
        this.regions = regions;
        this.regionSize = layout.regionSize();
        this.bytes = regions * regionSize;
        this.base = SlabMemory.acquire(bytes);
        this.memory = MemorySegment.ofAddress(base).reinterpret(bytes);
        // A recycled mapping arrives with every region stopped: reset the headers first,
        // then open the region (release: the headers happen-before any section that sees 0).
        for (int r = 0; r < regions; r++) {
            resetRegion(r);
            CONTROL.setVolatile(memory, r * regionSize, 0L);
        }
    }

    private void resetRegion(int r) {
        for (int c = 1; c < layout.classes(); c++) {
            int b = layout.begin(c);
            memory.set(
                    ValueLayout.JAVA_LONG, headerOffset(r, c), SlabLayout.header(b, b, b + layout.initialCapacity(c)));
        }
    }

    private long headerOffset(int region, int c) {
        return region * regionSize + (1 + c) * (long) Long.BYTES;
    }

    int regions() {
        return regions;
    }

    long pop(int c) {
        return RseqNative.pop(base, regionSize, c);
    }

    long push(int c, long pointer) {
        return RseqNative.push(base, regionSize, c, pointer);
    }

    /** Batch pop into {@code batch.slots[0 .. n)}, newest first: the count or a negative code. */
    long popBatch(int c, Batch batch, int n) {
        return RseqNative.popBatch(base, regionSize, c, batch.segment, n);
    }

    /** Batch push of {@code batch.slots[n - 1]}, {@code [n - 2]}, ... while there is room: the count or a negative code. */
    long pushBatch(int c, Batch batch, int n) {
        return RseqNative.pushBatch(base, regionSize, c, batch.segment, n);
    }

    long grow(int c, int delta, int maxEnd) {
        return RseqNative.grow(base, regionSize, c, delta, maxEnd);
    }

    long shrink(int c, int delta) {
        return RseqNative.shrink(base, regionSize, c, delta);
    }

    long header(int region, int c) {
        return memory.get(ValueLayout.JAVA_LONG, headerOffset(region, c));
    }

    /**
     * Stops region {@code r}, moves every cached pointer into {@code sink}, resets each
     * class to its initial capacity, and restarts the region.
     *
     * @return pointers moved
     */
    long drainRegion(int r, Sink sink) {
        editLock.lock();
        long control = r * regionSize;
        long moved = 0;
        RuntimeException problem = null;
        try {
            if (retired) {
                return 0;
            }
            CONTROL.setVolatile(memory, control, 1L);
            // The store above must be visible before the fence: membarrier is a full barrier
            // on every targeted cpu, and any section still running there is aborted.
            RseqNative.fence(r);
            long[] buf = new long[SlabLayout.MAX_SLOTS_PER_CLASS];
            for (int c = 1; c < layout.classes(); c++) {
                long h = header(r, c);
                int b = SlabLayout.begin(h);
                int n = SlabLayout.current(h) - b;
                if (n > 0) {
                    MemorySegment.copy(
                            memory, ValueLayout.JAVA_LONG, r * regionSize + (long) b * Long.BYTES, buf, 0, n);
                }
                memory.set(
                        ValueLayout.JAVA_LONG,
                        headerOffset(r, c),
                        SlabLayout.header(b, b, b + layout.initialCapacity(c)));
                if (n > 0) {
                    moved += n;
                    try {
                        sink.accept(c, buf, n);
                    } catch (RuntimeException e) {
                        // A bad block must not stop the drain of the other classes nor leave
                        // the region stopped: report it at the end.
                        if (problem == null) {
                            problem = e;
                        }
                    }
                }
            }
        } finally {
            // Release: the header edits happen-before any section that sees the cleared word.
            CONTROL.setVolatile(memory, control, 0L);
            editLock.unlock();
        }
        if (problem != null) {
            throw problem;
        }
        return moved;
    }

    /** Pointers cached in region {@code r}, class {@code c} (racy snapshot, for statistics). */
    int cached(int r, int c) {
        long h = header(r, c);
        return SlabLayout.current(h) - SlabLayout.begin(h);
    }

    /** Header words of a region, for idle detection (racy snapshot). */
    long fingerprint(int r) {
        long f = 0;
        for (int c = 1; c < layout.classes(); c++) {
            f = f * 31 + header(r, c);
        }
        return f;
    }

    /**
     * Stops every region for good and hands the mapping back to {@link SlabMemory}; the
     * caller has drained it first. Pointers a late section pushed between the drain and the
     * stop are dropped: their allocator is closed.
     */
    void retire() {
        editLock.lock();
        try {
            if (retired) {
                return;
            }
            retired = true;
            for (int r = 0; r < regions; r++) {
                CONTROL.setVolatile(memory, r * regionSize, 1L);
            }
            RseqNative.fence(-1);
        } finally {
            editLock.unlock();
        }
        SlabMemory.release(base, bytes, regionSize);
    }

    /** Receives drained pointers of one class. */
    @FunctionalInterface
    interface Sink {
        void accept(int sizeClass, long[] pointers, int count);
    }
}
