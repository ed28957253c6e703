package dev.rseq.alloc.central;

import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stats.TierStats;

/**
 * Everything behind the per-CPU tier for small objects: one transfer cache in front of
 * one central free list per size class.
 */
public final class CentralTier implements CentralCache {
    /** A transfer cache holds at most this many bytes, and between 2 batches and 512 objects. */
    private static final long TRANSFER_BYTES_PER_CLASS = 1 << 20;

    private final SizeClasses sizes;
    private final TransferCache[] transfer;
    private final CentralFreeList[] central;

    public CentralTier(SizeClasses sizes, PageHeap heap, boolean checked) {
        this.sizes = sizes;
        transfer = new TransferCache[sizes.count()];
        central = new CentralFreeList[sizes.count()];
        for (int c = 1; c < sizes.count(); c++) {
            central[c] =
                    new CentralFreeList(c, sizes.size(c), sizes.spanPages(c), sizes.objectsPerSpan(c), heap, checked);
            int capacity = (int) Math.clamp(TRANSFER_BYTES_PER_CLASS / sizes.size(c), 2L * sizes.batch(c), 512);
            transfer[c] = new TransferCache(capacity, central[c]);
        }
    }

    @Override
    public void remove(int c, long[] out, int off, int n) {
        transfer[c].remove(out, off, n);
    }

    @Override
    public void insert(int c, long[] in, int off, int n) {
        transfer[c].insert(in, off, n);
    }

    /**
     * Moves every transfer-cached object back into its span and gives every empty span to
     * the page heap (which may then return it to the OS).
     */
    public void flushTransferCaches() {
        RuntimeException problem = null;
        for (int c = 1; c < sizes.count(); c++) {
            try {
                transfer[c].flush();
            } catch (RuntimeException e) {
                problem = problem == null ? e : problem;
            }
        }
        releaseEmptySpans();
        if (problem != null) {
            throw problem;
        }
    }

    /** Gives the empty spans the central lists keep back to the page heap. */
    public void releaseEmptySpans() {
        for (int c = 1; c < sizes.count(); c++) {
            central[c].releaseEmptySpans();
        }
    }

    public void collect(TierStats stats) {
        for (int c = 1; c < sizes.count(); c++) {
            stats.add(TierStats.PerClass.TRANSFER_OBJECTS, c, transfer[c].size());
            stats.add(TierStats.PerClass.CENTRAL_OUT, c, central[c].objectsOut());
            stats.add(TierStats.PerClass.CENTRAL_FREE, c, objectsFreeInSpans(c));
            stats.add(TierStats.PerClass.SPANS, c, central[c].spans());
        }
    }

    /** Objects of every class outside spans (in caches or with users). */
    public long objectsOut() {
        long n = 0;
        for (int c = 1; c < sizes.count(); c++) {
            n += central[c].objectsOut();
        }
        return n;
    }

    public long transferCached(int c) {
        return transfer[c].size();
    }

    /** Objects of class {@code c} outside spans: in caches or with users. */
    public long objectsOut(int c) {
        return central[c].objectsOut();
    }

    /** Free objects still inside spans of class {@code c}. */
    public long objectsFreeInSpans(int c) {
        return central[c].spans() * sizes.objectsPerSpan(c) - central[c].objectsOut();
    }
}
