package dev.rseq.alloc;

import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stats.TierStats;
import dev.rseq.alloc.stats.TierStats.PerClass;
import dev.rseq.alloc.stats.TierStats.Scalar;
import java.util.ArrayList;
import java.util.List;

/** Turns what the tiers collected into the public {@link AllocatorStats}. */
final class StatsAssembly {
    private StatsAssembly() {}

    static AllocatorStats assemble(
            TierStats t,
            SizeClasses sizes,
            PageHeap.Stats heap,
            long largeBytes,
            long largeBlocks,
            String indexedBy,
            String carrierAccess,
            long aborts) {
        List<ClassStats> classes = new ArrayList<>();
        long threadCacheBytes = 0;
        long perCpuBytes = 0;
        long casBytes = 0;
        long transferBytes = 0;
        long centralFreeBytes = 0;
        long objectsInUse = 0;
        long smallBytesInUse = 0;
        for (int c = 1; c < sizes.count(); c++) {
            long size = sizes.size(c);
            long cached = t.get(PerClass.THREAD_CACHE_OBJECTS, c)
                    + t.get(PerClass.PER_CPU_OBJECTS, c)
                    + t.get(PerClass.CAS_OBJECTS, c)
                    + t.get(PerClass.TRANSFER_OBJECTS, c);
            long inUse = Math.max(0, t.get(PerClass.CENTRAL_OUT, c) - cached);
            classes.add(new ClassStats(
                    c,
                    (int) size,
                    inUse,
                    t.get(PerClass.THREAD_CACHE_OBJECTS, c),
                    t.get(PerClass.THREAD_CACHE_CAPACITY, c),
                    t.get(PerClass.THREAD_CACHE_HITS, c),
                    t.get(PerClass.THREAD_CACHE_REFILLS, c),
                    t.get(PerClass.THREAD_CACHE_SPILLS, c),
                    t.get(PerClass.PER_CPU_OBJECTS, c),
                    t.get(PerClass.PER_CPU_MISSES, c),
                    t.get(PerClass.PER_CPU_STEALS, c),
                    t.get(PerClass.PER_CPU_OPERATIONS, c),
                    t.get(PerClass.CAS_OBJECTS, c),
                    t.get(PerClass.CAS_OPERATIONS, c),
                    t.get(PerClass.TRANSFER_OBJECTS, c),
                    t.get(PerClass.CENTRAL_FREE, c),
                    t.get(PerClass.SPANS, c)));
            threadCacheBytes += t.get(PerClass.THREAD_CACHE_OBJECTS, c) * size;
            perCpuBytes += t.get(PerClass.PER_CPU_OBJECTS, c) * size;
            casBytes += t.get(PerClass.CAS_OBJECTS, c) * size;
            transferBytes += t.get(PerClass.TRANSFER_OBJECTS, c) * size;
            centralFreeBytes += t.get(PerClass.CENTRAL_FREE, c) * size;
            objectsInUse += inUse;
            smallBytesInUse += inUse * size;
        }
        return new AllocatorStats(
                smallBytesInUse + largeBytes,
                objectsInUse,
                largeBytes,
                largeBlocks,
                threadCacheBytes,
                perCpuBytes,
                casBytes,
                transferBytes,
                centralFreeBytes,
                heap.reservedBytes(),
                heap.mappedBytes(),
                heap.inUseBytes(),
                heap.freeBytes(),
                heap.unbackedBytes(),
                heap.releasedTotal(),
                (int) t.get(Scalar.THREAD_CACHES),
                (int) t.get(Scalar.DEAD_THREAD_CACHES),
                t.get(Scalar.THREAD_CACHE_BUDGET),
                t.get(Scalar.THREAD_CACHE_CLAIMED),
                t.get(Scalar.BUDGET_STEALS),
                t.get(Scalar.THREAD_CACHES_ADOPTED),
                t.get(Scalar.THREAD_CACHES_RECLAIMED),
                aborts,
                t.cachesByMode(),
                t.perCpuBytesByRegion(),
                indexedBy,
                carrierAccess,
                classes);
    }
}
