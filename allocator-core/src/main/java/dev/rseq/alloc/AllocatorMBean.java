package dev.rseq.alloc;

/** The MXBean of one allocator: every attribute is read from a fresh {@link AllocatorStats} snapshot. */
final class AllocatorMBean implements AllocatorMXBean {
    private final PerCpuAllocator allocator;

    AllocatorMBean(PerCpuAllocator allocator) {
        this.allocator = allocator;
    }

    private AllocatorStats s() {
        return allocator.stats();
    }

    @Override
    public long getBytesInUse() {
        return s().bytesInUse();
    }

    @Override
    public long getObjectsInUse() {
        return s().objectsInUse();
    }

    @Override
    public long getLargeBytesInUse() {
        return s().largeBytesInUse();
    }

    @Override
    public long getCachedBytes() {
        return s().cachedBytes();
    }

    @Override
    public long getThreadCacheBytes() {
        return s().threadCacheBytes();
    }

    @Override
    public long getPerCpuBytes() {
        return s().perCpuBytes();
    }

    @Override
    public long getCentralFreeBytes() {
        return s().centralFreeBytes();
    }

    @Override
    public long getHeapMappedBytes() {
        return s().heapMappedBytes();
    }

    @Override
    public long getHeapUnbackedBytes() {
        return s().heapUnbackedBytes();
    }

    @Override
    public long getReleasedTotalBytes() {
        return s().releasedTotalBytes();
    }

    @Override
    public int getThreadCaches() {
        return s().threadCaches();
    }

    @Override
    public long getThreadCacheHits() {
        return s().threadCacheHits();
    }

    @Override
    public long getThreadCacheMisses() {
        return s().threadCacheMisses();
    }

    @Override
    public long getPerCpuMisses() {
        return s().perCpuMisses();
    }

    @Override
    public long getCasOperations() {
        return s().casOperations();
    }

    @Override
    public long getRseqAborts() {
        return s().rseqAborts();
    }

    @Override
    public String getStatsJson() {
        return s().toJson();
    }

    @Override
    public long releaseMemory() {
        return allocator.releaseMemory();
    }
}
