package dev.rseq.alloc;

/**
 * One size class in an {@link AllocatorStats} snapshot: where its objects are, and how
 * each tier served it. Object counts are blocks of {@link #size()} bytes.
 *
 * @param sizeClass          the class number (1-based)
 * @param size               bytes per block
 * @param objectsInUse       blocks with users
 * @param threadCacheObjects blocks in thread (carrier) caches
 * @param threadCacheCapacity capacity of thread caches, in blocks
 * @param threadCacheHits    allocations and frees a thread cache served by itself
 * @param threadCacheRefills thread-cache misses on allocate (each moves a batch up)
 * @param threadCacheSpills  thread-cache misses on free (each moves a batch down)
 * @param perCpuObjects      blocks in the rseq per-CPU slabs
 * @param perCpuMisses       per-CPU misses (a cpu's stack empty on refill or full on spill)
 * @param perCpuSteals       capacity taken by this class from another on the same cpu
 * @param perCpuOperations   batch operations on the slabs, and direct operations that missed
 * @param casObjects         blocks in the CAS stripes
 * @param casOperations      operations on the CAS stripes
 * @param transferObjects    blocks in the transfer cache
 * @param centralFreeObjects free blocks inside the class's spans
 * @param spans              spans the class owns
 */
public record ClassStats(
        int sizeClass,
        int size,
        long objectsInUse,
        long threadCacheObjects,
        long threadCacheCapacity,
        long threadCacheHits,
        long threadCacheRefills,
        long threadCacheSpills,
        long perCpuObjects,
        long perCpuMisses,
        long perCpuSteals,
        long perCpuOperations,
        long casObjects,
        long casOperations,
        long transferObjects,
        long centralFreeObjects,
        long spans) {

    /**
     * Share of thread-cache operations that hit, or NaN when there were none.
     *
     * @return hits over hits, refills and spills, from 0 to 1, or NaN
     */
    public double threadCacheHitRate() {
        long all = threadCacheHits + threadCacheRefills + threadCacheSpills;
        return all == 0 ? Double.NaN : (double) threadCacheHits / all;
    }

    /**
     * Blocks in any cache.
     *
     * @return thread-cache, per-CPU, CAS and transfer-cache blocks together
     */
    public long cachedObjects() {
        return threadCacheObjects + perCpuObjects + casObjects + transferObjects;
    }
}
