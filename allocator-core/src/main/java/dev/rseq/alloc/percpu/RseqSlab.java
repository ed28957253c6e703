package dev.rseq.alloc.percpu;

import dev.rseq.alloc.pageheap.OsMemory;
import dev.rseq.alloc.rseq.RseqNative;
import dev.rseq.alloc.sizeclass.SizeClasses;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The rseq per-CPU tier: one region per cpu (or mm_cid), each class a stack of pointers
 * committed by librseqalloc's critical sections. Only threads in an rseq mode touch it
 * (the sections refuse on other threads), so it never shares a slab with CAS code.
 *
 * <p>Two kinds of writers: critical sections on the region's own cpu (atomic against
 * each other by rseq), and remote editors (drain, close) which first stop the region:
 * they set the control word, then {@link RseqNative#fence} aborts every section in flight
 * there; sections that start afterwards read the control word and return STOPPED. Until
 * the editor clears the word it is the region's only writer. Editors serialise on
 * {@link #editLock}.
 */
public final class RseqSlab {
    /** Volatile access to a region's control word: (segment, byte offset). */
    private static final VarHandle CONTROL = ValueLayout.JAVA_LONG.varHandle();

    private final SlabLayout layout;
    private final SizeClasses sizes;
    private final int regions;
    private final long base;
    private final long regionSize;
    private final long bytes;
    private final MemorySegment memory;
    private final long budgetBytes;
    private final ReentrantLock editLock = new ReentrantLock();
    /**
     * Per region, at {@code region * MISS_STRIDE}: misses seen, and (next int) whether the
     * last look found the budget spent. Plain racy ints (a lost update only shifts when the
     * next look happens): they rate-limit the scan of all class headers, which costs more
     * than the miss it reacts to. Written by every miss, so each region has its own line.
     */
    private final int[] missState;
    /** Ints per region in {@link #missState}: 64 bytes, so cpus never share a cache line. */
    private static final int MISS_STRIDE = 16;
    /** Once a region's budget is spent, only every this-many-th miss there steals capacity. */
    private static final int STEAL_INTERVAL = 64;

    /**
     * @param budgetBytes per-cpu cap on the sum over classes of capacity x object size,
     *                    enforced when a class grows
     */
    public RseqSlab(SizeClasses sizes, SlabLayout layout, long budgetBytes) {
        this.sizes = sizes;
        this.layout = layout;
        this.regions = RseqNative.regionCount();
        this.regionSize = layout.regionSize();
        this.bytes = regions * regionSize;
        this.base = OsMemory.map(bytes);
        this.memory = MemorySegment.ofAddress(base).reinterpret(bytes);
        this.budgetBytes = budgetBytes;
        this.missState = new int[regions * MISS_STRIDE];
        for (int r = 0; r < regions; r++) {
            resetRegion(r);
        }
    }

    private void resetRegion(int r) {
        for (int c = 1; c < layout.classes(); c++) {
            int b = layout.begin(c);
            memory.set(ValueLayout.JAVA_LONG, headerOffset(r, c), SlabLayout.header(b, b, b + layout.initialCapacity(c)));
        }
    }

    private long headerOffset(int region, int c) {
        return region * regionSize + (1 + c) * (long) Long.BYTES;
    }

    public long base() {
        return base;
    }

    public long regionSize() {
        return regionSize;
    }

    public int regions() {
        return regions;
    }

    /** One pointer from this cpu's class {@code c}: pointer, 0 when empty, or a negative code. */
    public long pop(int c) {
        return RseqNative.pop(base, regionSize, c);
    }

    /** 1 pushed, 0 full, or a negative code. */
    public long push(int c, long pointer) {
        return RseqNative.push(base, regionSize, c, pointer);
    }

    public long popBatch(int c, long[] buf, int off, int n) {
        return RseqNative.popBatch(base, regionSize, c, buf, off, n);
    }

    public long pushBatch(int c, long[] buf, int off, int n) {
        return RseqNative.pushBatch(base, regionSize, c, buf, off, n);
    }

    /** Batch pop into a caller-made segment (a magazine's class view). */
    public long popBatch(int c, MemorySegment buf, int n) {
        return RseqNative.popBatch(base, regionSize, c, buf, n);
    }

    /** Batch push from a caller-made segment: takes from the end of {@code [0, n)}. */
    public long pushBatch(int c, MemorySegment buf, int n) {
        return RseqNative.pushBatch(base, regionSize, c, buf, n);
    }

    /**
     * A miss on the calling cpu for class {@code c} (empty on allocate, full on free):
     * grow the class by one batch when the cpu's budget allows, else make room by
     * shrinking the class with the most unused capacity (in bytes). Both are critical
     * sections on the calling cpu, so no fence is needed. A policy: racing migrations
     * make it approximate, never incorrect. While the budget is spent, only every
     * {@value #STEAL_INTERVAL}th miss of the region looks again, so classes that keep
     * missing still win capacity from idle ones but a steady miss pays no scan.
     */
    public void onMiss(int c, int region) {
        if (region < 0 || region >= regions) {
            return;
        }
        int at = region * MISS_STRIDE;
        int seen = ++missState[at];
        if (missState[at + 1] != 0 && (seen & (STEAL_INTERVAL - 1)) != 0) {
            return;
        }
        int maxEnd = layout.begin(c) + layout.maxCapacity(c);
        int delta = sizes.batch(c);
        long capacityBytes = 0;
        int victim = -1;
        long victimUnused = 0;
        for (int k = 1; k < layout.classes(); k++) {
            long h = memory.get(ValueLayout.JAVA_LONG, headerOffset(region, k));
            capacityBytes += (long) (SlabLayout.end(h) - SlabLayout.begin(h)) * sizes.size(k);
            long unused = (long) (SlabLayout.end(h) - SlabLayout.current(h)) * sizes.size(k);
            if (k != c && unused > victimUnused) {
                victim = k;
                victimUnused = unused;
            }
        }
        long need = (long) delta * sizes.size(c);
        boolean spent = capacityBytes + need > budgetBytes;
        missState[at + 1] = spent ? 1 : 0;
        if (spent) {
            if (victim < 0) {
                return;
            }
            int slots = (int) Math.min(SlabLayout.end(memory.get(ValueLayout.JAVA_LONG, headerOffset(region, victim))),
                    (need + sizes.size(victim) - 1) / sizes.size(victim));
            RseqNative.shrink(base, regionSize, victim, slots);
        }
        RseqNative.grow(base, regionSize, c, delta, maxEnd);
    }

    /**
     * Stops region {@code r}, moves every cached pointer into {@code sink}, resets each
     * class to its initial capacity, and restarts the region.
     */
    public void drainRegion(int r, Sink sink) {
        editLock.lock();
        long control = r * regionSize;
        RuntimeException problem = null;
        try {
            CONTROL.setVolatile(memory, control, 1L);
            // The store above must be visible before the fence: membarrier is a full barrier
            // on every targeted cpu, and any section still running there is aborted.
            RseqNative.fence(r);
            long[] buf = new long[SlabLayout.MAX_SLOTS_PER_CLASS];
            for (int c = 1; c < layout.classes(); c++) {
                long h = memory.get(ValueLayout.JAVA_LONG, headerOffset(r, c));
                int b = SlabLayout.begin(h);
                int n = SlabLayout.current(h) - b;
                if (n > 0) {
                    MemorySegment.copy(memory, ValueLayout.JAVA_LONG, r * regionSize + (long) b * Long.BYTES, buf, 0, n);
                }
                memory.set(ValueLayout.JAVA_LONG, headerOffset(r, c), SlabLayout.header(b, b, b + layout.initialCapacity(c)));
                if (n > 0) {
                    try {
                        sink.accept(c, buf, n);
                    } catch (RuntimeException e) {
                        // A bad block (a user's invalid free) must not stop the drain of the
                        // other classes nor leave the region stopped: report it at the end.
                        if (problem == null) {
                            problem = e;
                        }
                    }
                }
            }
            missState[r * MISS_STRIDE + 1] = 0;
        } finally {
            // Release: the header edits happen-before any section that sees the cleared word.
            CONTROL.setVolatile(memory, control, 0L);
            editLock.unlock();
        }
        if (problem != null) {
            throw problem;
        }
    }

    /** Pointers cached in region {@code r}, class {@code c} (racy snapshot, for statistics). */
    public int cached(int r, int c) {
        long h = memory.get(ValueLayout.JAVA_LONG, headerOffset(r, c));
        return SlabLayout.current(h) - SlabLayout.begin(h);
    }

    /** Capacity of region {@code r}, class {@code c} (racy snapshot). */
    public int capacity(int r, int c) {
        long h = memory.get(ValueLayout.JAVA_LONG, headerOffset(r, c));
        return SlabLayout.end(h) - SlabLayout.begin(h);
    }

    /** Header words of a region, for idle detection (racy snapshot). */
    public long fingerprint(int r) {
        long f = 0;
        for (int c = 1; c < layout.classes(); c++) {
            f = f * 31 + memory.get(ValueLayout.JAVA_LONG, headerOffset(r, c));
        }
        return f;
    }

    /**
     * After close: the slab's pages are dropped and read back as zeroes, which every
     * critical section sees as "empty and full" (begin = current = end = 0), so a racing
     * operation takes the slow path, which reports the closed allocator. The mapping stays
     * so that such a racing operation never faults.
     */
    public void retire() {
        OsMemory.advise(base, bytes, OsMemory.MADV_DONTNEED);
    }

    /** Receives drained pointers of one class. */
    @FunctionalInterface
    public interface Sink {
        void accept(int sizeClass, long[] pointers, int count);
    }
}
