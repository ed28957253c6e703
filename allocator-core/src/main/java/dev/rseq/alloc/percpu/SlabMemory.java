package dev.rseq.alloc.percpu;

import dev.rseq.alloc.os.OsMemory;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Slab mappings, recycled across allocator instances instead of unmapped.
 *
 * <p>Why never unmap: a thread that read "open" just before its allocator closed may still
 * enter a critical section on the slab, and the section reads the region's control word
 * before anything else; unmapped memory there would be a SIGSEGV. A retired slab stays
 * mapped with every region stopped (control word 1, published before a fence that
 * aborted every section in flight), so such a late section returns STOPPED and touches
 * nothing. A later allocator takes the mapping back, resets every header and only then
 * clears the control words. Address space is bounded by the most slabs open at once, not
 * by how many allocators were ever built.
 */
final class SlabMemory {
    private static final Map<Long, ArrayDeque<Long>> RETIRED = new HashMap<>();

    private SlabMemory() {}

    /** A mapping of {@code bytes}: a retired one (every region still stopped) or a new one (zeroes). */
    static synchronized long acquire(long bytes) {
        ArrayDeque<Long> free = RETIRED.get(bytes);
        if (free != null && !free.isEmpty()) {
            return free.pop();
        }
        return OsMemory.map(bytes);
    }

    /** Takes back a mapping whose regions are all stopped; its memory goes back to the OS but the mapping stays. */
    static synchronized void release(long base, long bytes, long regionBytes) {
        // Keep each region's first page (control word and headers) resident; drop the slots.
        for (long r = base; r < base + bytes; r += regionBytes) {
            if (regionBytes > OsMemory.OS_PAGE) {
                OsMemory.advise(r + OsMemory.OS_PAGE, regionBytes - OsMemory.OS_PAGE, OsMemory.MADV_DONTNEED);
            }
        }
        RETIRED.computeIfAbsent(bytes, b -> new ArrayDeque<>()).push(base);
    }

    /** Retired mappings waiting for reuse (for tests of the bound). */
    static synchronized int retiredCount() {
        int n = 0;
        for (ArrayDeque<Long> q : RETIRED.values()) {
            n += q.size();
        }
        return n;
    }
}
