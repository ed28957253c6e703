package dev.rseq.alloc.netty;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.PerCpuAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

/**
 * Netty's allocator metric, answered from the {@link PerCpuAllocator}'s statistics. Every
 * figure is the whole allocator's: with {@link PerCpuAllocator#global()} it includes blocks
 * that other code in the process took from it. Each call takes a fresh
 * {@link PerCpuAllocator#stats()} snapshot (it walks every cache tier: a monitoring call, not
 * one for a hot path).
 */
public final class PerCpuByteBufAllocatorMetric implements ByteBufAllocatorMetric {
    private final PerCpuAllocator allocator;
    private final ByteBufAllocator heapAllocator;

    PerCpuByteBufAllocatorMetric(PerCpuAllocator allocator, ByteBufAllocator heapAllocator) {
        this.allocator = allocator;
        this.heapAllocator = heapAllocator;
    }

    /**
     * Bytes of blocks handed out and not yet freed ({@link AllocatorStats#bytesInUse()}):
     * each live buffer's capacity rounded up to its size class. Unlike Netty's pooled
     * allocators this leaves out free memory held in caches: see {@link #cachedDirectMemory()}.
     */
    @Override
    public long usedDirectMemory() {
        return allocator.stats().bytesInUse();
    }

    /**
     * Bytes of freed blocks held in the allocator's caches for reuse ({@link AllocatorStats#cachedBytes()}).
     *
     * @return cached bytes of every tier, from a fresh snapshot
     */
    public long cachedDirectMemory() {
        return allocator.stats().cachedBytes();
    }

    /** The heap allocator's own figure, or -1 (Netty's "unknown") when it publishes none. */
    @Override
    public long usedHeapMemory() {
        return heapAllocator instanceof ByteBufAllocatorMetricProvider provider
                ? provider.metric().usedHeapMemory()
                : -1;
    }

    /**
     * Every figure of the allocator behind the direct buffers, in one snapshot.
     *
     * @return a fresh {@link PerCpuAllocator#stats()} snapshot
     */
    public AllocatorStats stats() {
        return allocator.stats();
    }

    @Override
    public String toString() {
        AllocatorStats s = allocator.stats();
        return "PerCpuByteBufAllocatorMetric(usedDirectMemory: " + s.bytesInUse()
                + "; cachedDirectMemory: " + s.cachedBytes()
                + "; heapMappedBytes: " + s.heapMappedBytes()
                + "; usedHeapMemory: " + usedHeapMemory() + ')';
    }
}
