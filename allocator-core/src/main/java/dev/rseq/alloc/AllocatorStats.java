package dev.rseq.alloc;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of an allocator's state. Counts read from other threads' caches are racy
 * while threads run and exact when they are quiescent. docs/observability.md maps each
 * figure to tcmalloc's, jemalloc's and Netty's names.
 *
 * @param bytesInUse             bytes of blocks with users (small blocks counted at their class size) plus large blocks
 * @param objectsInUse           small blocks with users
 * @param largeBytesInUse        bytes in large blocks (page-rounded)
 * @param largeBlocksInUse       large blocks with users
 * @param threadCacheBytes       bytes cached in thread (carrier) caches
 * @param perCpuBytes            bytes cached in the rseq per-CPU slabs
 * @param casBytes               bytes cached in the CAS stripes
 * @param transferBytes          bytes cached in the transfer caches
 * @param centralFreeBytes       free bytes inside spans owned by size classes
 * @param heapReservedBytes      address space reserved for the heap
 * @param heapMappedBytes        bytes usable now (committed part of the reservation, dedicated mappings)
 * @param heapInUseBytes         of those, bytes in spans of size classes and in large blocks
 * @param heapFreeBytes          free page-heap bytes backed by memory
 * @param heapUnbackedBytes      free page-heap bytes holding no memory (never touched, or returned)
 * @param releasedTotalBytes     bytes ever given back to the OS
 * @param threadCaches           thread caches in the table (live and not yet reclaimed)
 * @param deadThreadCaches       of those, caches whose thread died (flushed or adopted soon)
 * @param threadCacheBudgetBytes capacity all thread caches may hold together
 * @param threadCacheClaimedBytes capacity claimed from that budget now
 * @param budgetSteals           times a cache took allowance from another
 * @param threadCachesAdopted    caches a new thread took over from a dead one
 * @param threadCachesReclaimed  caches flushed back to the central tier
 * @param rseqAborts             rseq critical-section aborts, process-wide
 * @param threadCachesByMode     thread caches by their OS thread's rseq mode label
 * @param perCpuBytesByRegion    bytes in the per-CPU slabs per region (cpu or mm_cid), non-empty ones
 * @param indexedBy              "mm_cid", "cpu_id", or "none" (no rseq)
 * @param carrierAccess          how virtual threads find their carrier's cache: "JavaLangAccess", "Unsafe" or "none"
 * @param classes                per size class figures
 */
public record AllocatorStats(
        long bytesInUse,
        long objectsInUse,
        long largeBytesInUse,
        long largeBlocksInUse,
        long threadCacheBytes,
        long perCpuBytes,
        long casBytes,
        long transferBytes,
        long centralFreeBytes,
        long heapReservedBytes,
        long heapMappedBytes,
        long heapInUseBytes,
        long heapFreeBytes,
        long heapUnbackedBytes,
        long releasedTotalBytes,
        int threadCaches,
        int deadThreadCaches,
        long threadCacheBudgetBytes,
        long threadCacheClaimedBytes,
        long budgetSteals,
        long threadCachesAdopted,
        long threadCachesReclaimed,
        long rseqAborts,
        Map<String, Integer> threadCachesByMode,
        Map<Integer, Long> perCpuBytesByRegion,
        String indexedBy,
        String carrierAccess,
        List<ClassStats> classes) {

    /** Copies the maps and the list, so the snapshot stays immutable. */
    public AllocatorStats {
        threadCachesByMode = Map.copyOf(threadCachesByMode);
        perCpuBytesByRegion = Map.copyOf(perCpuBytesByRegion);
        classes = List.copyOf(classes);
    }

    /**
     * Bytes held in caches of every tier (not in use, not yet back in spans).
     *
     * @return thread-cache, per-CPU, CAS and transfer-cache bytes together
     */
    public long cachedBytes() {
        return threadCacheBytes + perCpuBytes + casBytes + transferBytes;
    }

    /**
     * Operations served by the CAS stripes, all classes.
     *
     * @return the sum of {@link ClassStats#casOperations()}
     */
    public long casOperations() {
        return classes.stream().mapToLong(ClassStats::casOperations).sum();
    }

    /**
     * Per-CPU misses (a cpu's stack empty on refill or full on spill), all classes.
     *
     * @return the sum of {@link ClassStats#perCpuMisses()}
     */
    public long perCpuMisses() {
        return classes.stream().mapToLong(ClassStats::perCpuMisses).sum();
    }

    /**
     * Thread-cache misses (refills and spills), all classes.
     *
     * @return the sum of {@link ClassStats#threadCacheRefills()} and {@link ClassStats#threadCacheSpills()}
     */
    public long threadCacheMisses() {
        return classes.stream()
                .mapToLong(c -> c.threadCacheRefills() + c.threadCacheSpills())
                .sum();
    }

    /**
     * Allocations and frees thread caches served by themselves, all classes.
     *
     * @return the sum of {@link ClassStats#threadCacheHits()}
     */
    public long threadCacheHits() {
        return classes.stream().mapToLong(ClassStats::threadCacheHits).sum();
    }

    /**
     * The figures of the class of blocks of {@code size} bytes, or null when no class serves that size.
     *
     * @param size bytes asked for
     * @return the smallest class whose blocks hold {@code size} bytes, or null above
     *         {@link PerCpuAllocator#MAX_SMALL_SIZE} (large blocks)
     */
    public ClassStats classOfSize(long size) {
        for (ClassStats c : classes) {
            if (c.size() >= size) {
                return c;
            }
        }
        return null;
    }

    /**
     * The snapshot as one JSON object (totals, then {@code "classes": [...]}); see docs/observability.md.
     *
     * @return the JSON text
     */
    public String toJson() {
        return StatsJson.write(this);
    }

    /** A table for people: totals, then one line per class that saw any traffic. */
    @Override
    public String toString() {
        return StatsText.write(this);
    }
}
