package dev.rseq.alloc.frontend;

import dev.rseq.alloc.sizeclass.SizeClasses;

/**
 * How big a thread cache's stack of one class may grow, and by how much a miss grows it.
 *
 * <p>A class starts with no capacity (an idle thread costs nothing) and doubles on every
 * miss, from {@link #first} up to {@link #max}: tcmalloc's slow start, so a thread that
 * touches a class once holds a couple of blocks while one that churns it reaches the full
 * stack in a few misses. A refill brings half the new capacity, so the stack sits mid-way
 * and the following frees have room: under a random mix of allocations and frees the
 * count random-walks, and the distance to either end is what sets the miss rate.
 */
final class CacheSizing {
    /**
     * Bytes one class may hold in one thread cache: for the largest classes a stack deep
     * enough that a random mix of allocations and frees rarely runs it dry or full (32 objects
     * of 32 KiB; 4 of 256 KiB).
     */
    static final long MAX_CLASS_BYTES = 1024 * 1024;
    /** Blocks one class may hold in one thread cache. */
    static final int MAX_OBJECTS = 1024;

    private final SizeClasses sizes;
    private final int[] first;
    private final int[] max;

    CacheSizing(SizeClasses sizes) {
        this.sizes = sizes;
        first = new int[sizes.count()];
        max = new int[sizes.count()];
        for (int c = 1; c < sizes.count(); c++) {
            max[c] = Math.clamp(MAX_CLASS_BYTES / sizes.size(c), 2, MAX_OBJECTS);
            first[c] = Math.clamp(sizes.batch(c) / 4, 2, max[c]);
        }
    }

    int first(int c) {
        return first[c];
    }

    int max(int c) {
        return max[c];
    }

    /** The capacity after a miss at {@code capacity}: doubled, from {@link #first} up to {@link #max}. */
    int grown(int c, int capacity) {
        return capacity == 0 ? first[c] : Math.min(max[c], capacity * 2);
    }

    /** Blocks a refill brings into an empty stack of {@code capacity}. */
    static int refillCount(int capacity) {
        return Math.max(1, capacity / 2);
    }

    int size(int c) {
        return sizes.size(c);
    }

    int classes() {
        return sizes.count();
    }
}
