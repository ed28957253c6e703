package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.bench.BenchAllocator.HeldMemory;

/** How the benchmarks summarise our allocator's {@link AllocatorStats}. */
final class OurStats {
    private OurStats() {}

    /**
     * Held: memory in size-class spans (blocks in use, in every cache tier, and free inside
     * spans) plus large blocks. Page-heap pages not carved into spans are left out, as
     * address space mapped but not (or no longer) used. Cached: all cache tiers together.
     */
    static HeldMemory held(AllocatorStats s) {
        return new HeldMemory(
                s.bytesInUse() + s.cachedBytes() + s.centralFreeBytes(),
                s.cachedBytes(),
                "stats(): bytesInUse + cachedBytes (thread caches, per-CPU, CAS, transfer) + centralFreeBytes");
    }
}
