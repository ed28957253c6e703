package dev.rseq.alloc.stress;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.pageheap.PageHeap;

/**
 * The end-of-run check that nothing was lost. Preconditions: every thread that used the
 * allocator has terminated and every block was freed. Then releaseMemory() (on a thread
 * that never held a magazine) reclaims the dead threads' magazines and drains every cache,
 * so every object must be back in its span and every span back in the page heap.
 */
public final class FinalAccounting {
    private FinalAccounting() {
    }

    /** Null when exact, else the violation. Calls releaseMemory() first. */
    public static Violation check(PerCpuAllocator allocator, String lane) {
        allocator.releaseMemory();
        AllocatorStats s = allocator.stats();
        PageHeap.Stats h = allocator.heapStats();
        if (h.mappedBytes() != h.inUseBytes() + h.freeBytes() + h.returnedBytes()) {
            return Violation.of(Violation.Kind.ACCOUNTING, lane, "page heap: mapped " + h.mappedBytes()
                    + " != in use " + h.inUseBytes() + " + free " + h.freeBytes() + " + returned " + h.returnedBytes());
        }
        if (s.objectsInUse() != 0 || s.bytesInUse() != 0 || s.largeBytesInUse() != 0) {
            return Violation.of(Violation.Kind.LOST, lane, "after every block was freed: " + s.objectsInUse()
                    + " objects / " + s.bytesInUse() + " B still in use (" + s.largeBytesInUse() + " B large)\n" + s);
        }
        if (s.cachedBytes() != 0) {
            return Violation.of(Violation.Kind.LOST, lane, s.cachedBytes()
                    + " B still cached after releaseMemory() with every user thread dead\n" + s);
        }
        if (h.inUseBytes() != 0) {
            return Violation.of(Violation.Kind.LOST, lane, h.inUseBytes()
                    + " B of spans still in use in the page heap after every object came back\n" + s);
        }
        return null;
    }
}
