package dev.rseq.alloc.central;

import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.pageheap.Span;
import dev.rseq.alloc.pageheap.SpanObjects;
import dev.rseq.alloc.sync.SpinningLock;

/**
 * The objects of one size class that no cache holds, kept inside their spans: each span
 * has a free bitmap, and spans with free objects sit on a list. Objects leave in batches
 * to the caches and come back in batches; a span whose objects are all back returns to
 * the page heap.
 *
 * <p>Object memory is never touched (no intrusive list), so a freed block's cache lines
 * stay cold and a use-after-free by the caller cannot corrupt this tier's structure.
 * The bitmap doubles as a validity check: an address that is not an object start of a
 * span of this class, or an object that is already free, is reported (always on here).
 */
public final class CentralFreeList {
    private final int sizeClass;
    private final int objectSize;
    private final int spanPages;
    private final int objectsPerSpan;
    private final PageHeap heap;
    private final boolean checked;
    private final SpinningLock lock = new SpinningLock();

    private final SpanList nonEmpty = new SpanList();
    private long objectsOut;
    private long spans;
    /**
     * Spans whose objects are all back but which stay here (on {@link #nonEmpty}) instead of
     * going to the page heap, at most {@link #maxEmptySpans}: with few objects per span (one
     * for classes above 7 KiB) a class whose free count wobbles around a span boundary would
     * otherwise give a span back and take a new one from the page heap on every batch. They
     * are reused only when no partly used span is left (so partly used ones fill first). The
     * page heap and the OS get them back in {@link #releaseEmptySpans} (releaseMemory and
     * every maintenance pass).
     */
    private final SpanList empty = new SpanList();

    private final int maxEmptySpans;
    /** Bytes of empty spans one class may keep; at least two spans. */
    static final long EMPTY_SPAN_BYTES = 128 * 1024;

    public CentralFreeList(
            int sizeClass, int objectSize, int spanPages, int objectsPerSpan, PageHeap heap, boolean checked) {
        this.sizeClass = sizeClass;
        this.objectSize = objectSize;
        this.spanPages = spanPages;
        this.objectsPerSpan = objectsPerSpan;
        this.heap = heap;
        this.checked = checked;
        this.maxEmptySpans = (int) Math.max(2, EMPTY_SPAN_BYTES / ((long) spanPages << PageHeap.PAGE_SHIFT));
    }

    /** Moves exactly {@code n} objects into {@code out[off ..]}, taking new spans as needed. */
    public void removeRange(long[] out, int off, int n) {
        lock.lock();
        try {
            int got = 0;
            while (got < n) {
                Span s = nonEmpty.first();
                if (s == null && (s = empty.first()) != null) {
                    empty.remove(s);
                    nonEmpty.add(s);
                }
                if (s == null) {
                    s = heap.allocateSmall(spanPages, sizeClass);
                    SpanObjects.initSmall(s, objectSize, objectsPerSpan, checked);
                    spans++;
                    nonEmpty.add(s);
                }
                got += SpanObjects.take(s, out, off + got, n - got);
                if (SpanObjects.freeCount(s) == 0) {
                    nonEmpty.remove(s);
                }
            }
            objectsOut += n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts {@code n} objects back. Every valid object is inserted even when some are not;
     * then the first problem is thrown.
     *
     * @throws IllegalArgumentException for an address that is no object of this class
     * @throws IllegalStateException    for an object that is already free (double free)
     */
    public void insertRange(long[] in, int off, int n) {
        RuntimeException problem = null;
        lock.lock();
        try {
            for (int i = off; i < off + n; i++) {
                long address = in[i];
                Span s = heap.spanOf(address);
                int idx = s == null || s.state() != Span.State.SMALL || s.sizeClass() != sizeClass
                        ? -1
                        : SpanObjects.indexOf(s, address);
                if (idx < 0) {
                    if (problem == null) {
                        problem = new IllegalArgumentException("0x" + Long.toHexString(address)
                                + " is not a live block of size class " + sizeClass + " (" + objectSize
                                + " B) of this allocator: a foreign or interior address, a wrong size, or a"
                                + " double free whose span was already returned");
                    }
                    continue;
                }
                if (!SpanObjects.giveBack(s, idx)) {
                    if (problem == null) {
                        problem = new IllegalStateException("double free of 0x" + Long.toHexString(address) + " ("
                                + objectSize + " B): the block is already free");
                    }
                    continue;
                }
                objectsOut--;
                int free = SpanObjects.freeCount(s);
                if (free == 1) {
                    nonEmpty.add(s);
                }
                if (free == SpanObjects.objectCount(s)) {
                    nonEmpty.remove(s);
                    if (empty.size() < maxEmptySpans) {
                        empty.add(s);
                    } else {
                        spans--;
                        heap.free(s);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (problem != null) {
            throw problem;
        }
    }

    /** Gives every kept empty span back to the page heap; returns how many. */
    public int releaseEmptySpans() {
        lock.lock();
        try {
            int n = 0;
            for (Span s = empty.first(); s != null; s = empty.first()) {
                empty.remove(s);
                spans--;
                heap.free(s);
                n++;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Objects handed out of spans and not yet back (in caches or with users). */
    public long objectsOut() {
        lock.lock();
        try {
            return objectsOut;
        } finally {
            lock.unlock();
        }
    }

    /** Spans this class holds. */
    public long spans() {
        lock.lock();
        try {
            return spans;
        } finally {
            lock.unlock();
        }
    }
}
