package dev.rseq.alloc.stress;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.PerCpuAllocator;

/**
 * The end-of-run check that nothing was lost. Preconditions: every platform thread that used
 * the allocator has terminated and every block was freed. Then releaseMemory() reclaims the
 * dead threads' caches and drains every per-CPU and transfer cache, so every object must be
 * back in its span, except those cached by threads still alive: the carriers of virtual
 * threads (only their own threads may drain their caches) and the caller.
 */
public final class FinalAccounting {
    private FinalAccounting() {}

    /** Null when exact, else the violation. Calls releaseMemory() first. */
    public static Violation check(PerCpuAllocator allocator, String lane) {
        allocator.releaseMemory();
        AllocatorStats s = allocator.stats();
        if (s.heapMappedBytes() != s.heapInUseBytes() + s.heapFreeBytes() + s.heapUnbackedBytes()) {
            return Violation.of(
                    Violation.Kind.ACCOUNTING,
                    lane,
                    "page heap: mapped " + s.heapMappedBytes()
                            + " != in use " + s.heapInUseBytes() + " + free " + s.heapFreeBytes() + " + unbacked "
                            + s.heapUnbackedBytes());
        }
        if (s.objectsInUse() != 0 || s.bytesInUse() != 0 || s.largeBytesInUse() != 0) {
            return Violation.of(
                    Violation.Kind.LOST,
                    lane,
                    "after every block was freed: " + s.objectsInUse() + " objects / " + s.bytesInUse()
                            + " B still in use (" + s.largeBytesInUse() + " B large)\n" + s);
        }
        long stranded = s.cachedBytes() - s.threadCacheBytes();
        if (stranded != 0) {
            return Violation.of(
                    Violation.Kind.LOST,
                    lane,
                    stranded + " B still in per-CPU, CAS or transfer caches after releaseMemory()\n" + s);
        }
        if (s.deadThreadCaches() != 0) {
            return Violation.of(
                    Violation.Kind.LOST,
                    lane,
                    s.deadThreadCaches() + " caches of dead threads left after releaseMemory()\n" + s);
        }
        if (s.threadCacheBytes() == 0 && s.heapInUseBytes() != 0) {
            return Violation.of(
                    Violation.Kind.LOST,
                    lane,
                    s.heapInUseBytes() + " B of spans still in use in the page heap after every object came back\n"
                            + s);
        }
        return null;
    }
}
