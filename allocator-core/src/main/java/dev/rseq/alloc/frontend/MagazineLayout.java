package dev.rseq.alloc.frontend;

import dev.rseq.alloc.sizeclass.SizeClasses;

/**
 * Where each class's stack sits in a magazine's flat slot array: class c owns slots
 * {@code [floor(c), ceil(c))}. A class holds at most {@link #BYTES_PER_CLASS} bytes and 32
 * objects, and classes above 16 KiB get no slots (they go straight to the per-CPU tier),
 * which bounds one magazine at {@link #maxBytes()}.
 */
public final class MagazineLayout {
    static final int BYTES_PER_CLASS = 16 * 1024;
    static final int MAX_OBJECTS_PER_CLASS = 32;

    final int[] floor;
    final int[] ceil;
    final int slots;
    private final long maxBytes;

    public MagazineLayout(SizeClasses sizes) {
        floor = new int[sizes.count()];
        ceil = new int[sizes.count()];
        int next = 0;
        long bytes = 0;
        for (int c = 1; c < sizes.count(); c++) {
            int cap = Math.min(MAX_OBJECTS_PER_CLASS, BYTES_PER_CLASS / sizes.size(c));
            floor[c] = next;
            next += cap;
            ceil[c] = next;
            bytes += (long) cap * sizes.size(c);
        }
        slots = next;
        maxBytes = bytes;
    }

    /** Bytes one magazine can hold at most, all classes full. */
    public long maxBytes() {
        return maxBytes;
    }

    public int capacity(int c) {
        return ceil[c] - floor[c];
    }
}
