package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.BenchAllocator;
import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/**
 * One thread's churn: a working set of live blocks; each step frees a random live block and
 * allocates a new one of the next size from a pre-drawn table, in the same slot.
 *
 * <p>The loops run in short chunks of {@link #CHUNK} steps so the JIT compiles the chunk
 * methods normally rather than only through on-stack replacement of one endless loop.
 * Timed chunks read System.nanoTime around each operation and record into this thread's
 * own histograms (single writer, merged after the run); the untimed chunk is the same
 * churn without timer reads, for ops/s.
 */
final class ChurnWorker {
    static final int CHUNK = 256;
    /** Longest latency the histograms track; far beyond anything a sane run produces. */
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);

    private final BenchAllocator allocator;
    private final int slotBase;
    private final long[] address;
    private final long[] size;
    private final long[] sizes;
    private final int sizeMask;
    private final int workingSet;
    private long random;
    private int next;

    final Histogram allocLatency = newHistogram();
    final Histogram freeLatency = newHistogram();

    /**
     * @param sizes pre-drawn block sizes, length a power of two
     * @param seed  seeds the choice of victim block; equal seeds give every allocator the same sequence
     */
    ChurnWorker(BenchAllocator allocator, int slotBase, int workingSet, long[] sizes, long seed) {
        if (Integer.bitCount(sizes.length) != 1) {
            throw new IllegalArgumentException("size table length must be a power of two");
        }
        this.allocator = allocator;
        this.slotBase = slotBase;
        this.workingSet = workingSet;
        this.address = new long[workingSet];
        this.size = new long[workingSet];
        this.sizes = sizes;
        this.sizeMask = sizes.length - 1;
        this.random = seed | 1;
    }

    static Histogram newHistogram() {
        return new Histogram(HIGHEST_NS, 3);
    }

    /** Allocates the initial working set. */
    void fill() {
        for (int i = 0; i < workingSet; i++) {
            long s = sizes[next++ & sizeMask];
            address[i] = allocator.allocate(slotBase + i, s);
            size[i] = s;
        }
    }

    /** Frees what is still live. */
    void drain() {
        for (int i = 0; i < workingSet; i++) {
            if (address[i] != 0) {
                allocator.free(slotBase + i, address[i], size[i]);
                address[i] = 0;
            }
        }
    }

    void resetHistograms() {
        allocLatency.reset();
        freeLatency.reset();
    }

    /** xorshift64, then a multiply-shift into [0, workingSet): cheap and good enough to pick a victim. */
    private int victim() {
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return (int) (((x >>> 32) * workingSet) >>> 32);
    }

    /** Timed steps until the deadline; each op's latency is its own nanoTime bracket. */
    void timed(long deadlineNanos) {
        while (timedChunk(deadlineNanos)) {
            // keep going
        }
    }

    private boolean timedChunk(long deadline) {
        long t2 = 0;
        for (int n = 0; n < CHUNK; n++) {
            int i = victim();
            long s = sizes[next++ & sizeMask];
            int slot = slotBase + i;
            long t0 = System.nanoTime();
            allocator.free(slot, address[i], size[i]);
            long t1 = System.nanoTime();
            long a = allocator.allocate(slot, s);
            t2 = System.nanoTime();
            freeLatency.recordValue(t1 - t0);
            allocLatency.recordValue(t2 - t1);
            address[i] = a;
            size[i] = s;
        }
        return t2 < deadline;
    }

    /**
     * Steps at a fixed rate: op k is due at {@code start + k * interval}. Latency is measured
     * from when the op was due, not from when it began, so a stall also counts against every
     * op it delayed (no coordinated omission).
     */
    void paced(long startNanos, long intervalNanos, long deadlineNanos) {
        long due = startNanos;
        long now = startNanos;
        while (now < deadlineNanos) {
            int i = victim();
            long s = sizes[next++ & sizeMask];
            int slot = slotBase + i;
            awaitUntil(due);
            allocator.free(slot, address[i], size[i]);
            now = System.nanoTime();
            freeLatency.recordValue(now - due);
            due += intervalNanos;
            awaitUntil(due);
            long a = allocator.allocate(slot, s);
            now = System.nanoTime();
            allocLatency.recordValue(now - due);
            due += intervalNanos;
            address[i] = a;
            size[i] = s;
        }
    }

    private static void awaitUntil(long due) {
        while (System.nanoTime() < due) {
            Thread.onSpinWait();
        }
    }

    /** Untimed steps until the deadline; returns the number of operations (2 per step). */
    long untimed(long deadlineNanos) {
        long ops = 0;
        do {
            untimedChunk();
            ops += 2L * CHUNK;
        } while (System.nanoTime() < deadlineNanos);
        return ops;
    }

    private void untimedChunk() {
        for (int n = 0; n < CHUNK; n++) {
            int i = victim();
            long s = sizes[next++ & sizeMask];
            int slot = slotBase + i;
            allocator.free(slot, address[i], size[i]);
            address[i] = allocator.allocate(slot, s);
            size[i] = s;
        }
    }
}
