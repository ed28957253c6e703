package dev.rseq.alloc.stress;

import org.agrona.collections.LongHashSet;

/**
 * Addresses of every block that a user holds now, across all threads: adding an address
 * that is already present means the allocator handed out a live block (a duplicate).
 * Lock-striped primitive sets: no boxing, and 256 stripes keep threads apart.
 *
 * <p>Order of use: add right after allocate; remove right before free. Removing after the
 * free would let another thread get the same address first and report a false duplicate.
 */
public final class LiveSet {
    private static final int STRIPES = 256;
    private final LongHashSet[] stripes = new LongHashSet[STRIPES];

    public LiveSet() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new LongHashSet();
        }
    }

    private LongHashSet stripe(long address) {
        return stripes[(int) ((address >>> 3) * 0x9E3779B97F4A7C15L >>> 56)];
    }

    /** False when the address was already live. */
    public boolean add(long address) {
        LongHashSet s = stripe(address);
        synchronized (s) {
            return s.add(address);
        }
    }

    /** False when the address was not live. */
    public boolean remove(long address) {
        LongHashSet s = stripe(address);
        synchronized (s) {
            return s.remove(address);
        }
    }

    public long size() {
        long n = 0;
        for (LongHashSet s : stripes) {
            synchronized (s) {
                n += s.size();
            }
        }
        return n;
    }
}
