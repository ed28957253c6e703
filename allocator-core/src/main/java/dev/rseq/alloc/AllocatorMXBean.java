package dev.rseq.alloc;

/**
 * The allocator's figures for JMX clients (JConsole, JDK Mission Control, any collector that
 * polls MBeans). Registered on request: {@link PerCpuAllocator#registerMBean()}, or
 * {@code -Drseqalloc.jmx=true} for the global allocator, under {@code
 * dev.rseq.alloc:type=PerCpuAllocator,name=...}. Each read takes a fresh {@link
 * AllocatorStats} snapshot; {@link #getStatsJson()} returns all of it at once.
 */
public interface AllocatorMXBean {
    /** {@return bytes of blocks with users, small blocks at their class size, plus large blocks ({@link AllocatorStats#bytesInUse()})} */
    long getBytesInUse();

    /** {@return small blocks with users ({@link AllocatorStats#objectsInUse()})} */
    long getObjectsInUse();

    /** {@return bytes in large blocks, page-rounded ({@link AllocatorStats#largeBytesInUse()})} */
    long getLargeBytesInUse();

    /** {@return bytes held in caches of every tier ({@link AllocatorStats#cachedBytes()})} */
    long getCachedBytes();

    /** {@return bytes cached in thread (carrier) caches ({@link AllocatorStats#threadCacheBytes()})} */
    long getThreadCacheBytes();

    /** {@return bytes cached in the rseq per-CPU slabs ({@link AllocatorStats#perCpuBytes()})} */
    long getPerCpuBytes();

    /** {@return free bytes inside spans owned by size classes ({@link AllocatorStats#centralFreeBytes()})} */
    long getCentralFreeBytes();

    /** {@return bytes usable now: the committed part of the reservation and dedicated mappings ({@link AllocatorStats#heapMappedBytes()})} */
    long getHeapMappedBytes();

    /** {@return free page-heap bytes holding no memory ({@link AllocatorStats#heapUnbackedBytes()})} */
    long getHeapUnbackedBytes();

    /** {@return bytes ever given back to the OS ({@link AllocatorStats#releasedTotalBytes()})} */
    long getReleasedTotalBytes();

    /** {@return thread caches in the table, live and not yet reclaimed ({@link AllocatorStats#threadCaches()})} */
    int getThreadCaches();

    /** {@return allocations and frees thread caches served by themselves, all classes ({@link AllocatorStats#threadCacheHits()})} */
    long getThreadCacheHits();

    /** {@return thread-cache refills and spills, all classes ({@link AllocatorStats#threadCacheMisses()})} */
    long getThreadCacheMisses();

    /** {@return per-CPU misses, all classes ({@link AllocatorStats#perCpuMisses()})} */
    long getPerCpuMisses();

    /** {@return operations served by the CAS stripes, all classes ({@link AllocatorStats#casOperations()})} */
    long getCasOperations();

    /** {@return rseq critical-section aborts, process-wide ({@link AllocatorStats#rseqAborts()})} */
    long getRseqAborts();

    /**
     * The whole snapshot as JSON, per-class figures included (see docs/observability.md).
     *
     * @return {@link AllocatorStats#toJson()} of a fresh snapshot
     */
    String getStatsJson();

    /**
     * Returns idle memory to the OS ({@link PerCpuAllocator#releaseMemory()}); returns bytes released.
     *
     * @return bytes given back to the OS by this call
     */
    long releaseMemory();
}
