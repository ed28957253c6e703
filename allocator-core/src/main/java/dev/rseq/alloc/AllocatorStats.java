package dev.rseq.alloc;

import java.util.Map;

/**
 * A snapshot of an allocator's state. Counts read from other threads' caches are racy
 * while threads run and exact when they are quiescent.
 *
 * @param bytesInUse          bytes of blocks with users (size-class rounded) plus large allocations
 * @param objectsInUse        small blocks with users
 * @param largeBytesInUse     bytes in large (page heap) allocations
 * @param magazineBytes       bytes cached in platform-thread magazines
 * @param perCpuBytes         bytes cached in the rseq per-CPU slabs
 * @param perCpuBytesByRegion the same per region (cpu or mm_cid), regions holding something
 * @param casBytes            bytes cached in the CAS caches
 * @param transferBytes       bytes cached in the transfer caches
 * @param centralFreeBytes    free bytes inside spans owned by size classes
 * @param heapMappedBytes     address space mapped from the OS
 * @param heapFreeBytes       free page-heap bytes still backed by memory
 * @param heapReturnedBytes   free page-heap bytes given back to the OS
 * @param releasedTotalBytes  bytes ever given back to the OS (madvise DONTNEED)
 * @param magazines           magazines in use (platform threads holding one)
 * @param magazineCapacity    most magazines this allocator hands out
 * @param magazineMisses      magazine refills + drains (each is one batch transfer)
 * @param perCpuMisses        per-CPU slab misses (empty on allocate, full on free)
 * @param casOperations       operations served through the CAS caches
 * @param rseqAborts          rseq critical-section aborts, process-wide
 * @param threadsByMode       platform threads with a magazine, by rseq mode label
 * @param indexedBy           "mm_cid" or "cpu_id"
 */
public record AllocatorStats(long bytesInUse, long objectsInUse, long largeBytesInUse, long magazineBytes,
                             long perCpuBytes, Map<Integer, Long> perCpuBytesByRegion, long casBytes,
                             long transferBytes, long centralFreeBytes, long heapMappedBytes, long heapFreeBytes,
                             long heapReturnedBytes, long releasedTotalBytes, int magazines, int magazineCapacity,
                             long magazineMisses, long perCpuMisses, long casOperations, long rseqAborts,
                             Map<String, Integer> threadsByMode, String indexedBy) {

    /** Bytes held in caches of every tier (not in use, not yet back in spans). */
    public long cachedBytes() {
        return magazineBytes + perCpuBytes + casBytes + transferBytes;
    }

    @Override
    public String toString() {
        return String.format("""
                in use          %,15d B  (%,d small blocks, %,d B large)
                cached          %,15d B  = magazines %,d + per-cpu %,d + cas %,d + transfer %,d
                per-cpu regions %s  (indexed by %s)
                central free    %,15d B  (free objects inside class spans)
                page heap       %,15d B mapped, %,d B free, %,d B returned to the OS (%,d B released in total)
                magazines       %d of %d in use, %,d misses; per-cpu misses %,d; cas operations %,d
                rseq aborts     %,d; platform threads by mode %s""",
                bytesInUse, objectsInUse, largeBytesInUse, cachedBytes(), magazineBytes, perCpuBytes, casBytes,
                transferBytes, perCpuBytesByRegion, indexedBy, centralFreeBytes, heapMappedBytes, heapFreeBytes,
                heapReturnedBytes, releasedTotalBytes, magazines, magazineCapacity, magazineMisses, perCpuMisses,
                casOperations, rseqAborts, threadsByMode);
    }
}
