package dev.rseq.alloc.pageheap;

import dev.rseq.alloc.sizeclass.SizeClasses;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import dev.rseq.alloc.sync.SpinningLock;

/**
 * Pages over mmap'ed regions: spans are carved best-fit from free spans, freed spans
 * coalesce with free neighbours of the same kind, and idle free memory goes back to the
 * OS with {@code madvise(MADV_DONTNEED)} on demand ({@link #release}) and by policy (when
 * free, not yet returned bytes exceed the release threshold).
 *
 * <p>All methods lock; the page heap is reached only on span-sized events (a central free
 * list needs a new span or gives one back, a large allocation), never per small object.
 *
 * <p>Accounting invariant, checked by tests: {@code mappedBytes == inUseBytes + freeBytes
 * + returnedBytes}.
 */
public final class PageHeap implements AutoCloseable {
    public static final int PAGE_SHIFT = SizeClasses.PAGE_SHIFT;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    private static final long HUGE_PAGE = 2L << 20;

    /** What to tell the kernel about transparent huge pages for our regions. */
    public enum HugePages { SYSTEM_DEFAULT, ALWAYS, NEVER }

    private static final Comparator<Span> BY_SIZE_THEN_ADDRESS =
            Comparator.<Span>comparingInt(s -> s.pages).thenComparingLong(s -> s.startPage);

    private final SpinningLock lock = new SpinningLock();
    private final PageMap pageMap = new PageMap();
    private final TreeSet<Span> free = new TreeSet<>(BY_SIZE_THEN_ADDRESS);
    private final TreeSet<Span> returned = new TreeSet<>(BY_SIZE_THEN_ADDRESS);
    private final List<long[]> regions = new ArrayList<>();
    private final long growBytes;
    private final HugePages hugePages;
    private final long releaseThreshold;

    private long mappedBytes;
    private long inUseBytes;
    private long freeBytes;
    private long returnedBytes;
    private long releasedTotal;
    private boolean closed;

    /**
     * @param growBytes        bytes mapped at a time (rounded up to 2 MiB)
     * @param hugePages        transparent huge page advice for mapped regions
     * @param releaseThreshold free bytes kept before the policy returns the excess to the OS
     */
    public PageHeap(long growBytes, HugePages hugePages, long releaseThreshold) {
        this.growBytes = (growBytes + HUGE_PAGE - 1) & -HUGE_PAGE;
        this.hugePages = hugePages;
        this.releaseThreshold = releaseThreshold;
    }

    /**
     * The live span containing {@code address}: a SMALL or LARGE span, or null. Lock-free;
     * by the page map's invariant a SMALL or LARGE entry always contains its pages, so no
     * range check is needed.
     */
    public Span spanOf(long address) {
        Span s = pageMap.get(address);
        return s != null && (s.state == Span.State.SMALL || s.state == Span.State.LARGE) ? s : null;
    }

    /** A span of {@code pages} pages in state SMALL or LARGE. */
    public Span allocate(int pages, Span.State state) {
        lock.lock();
        try {
            ensureOpen();
            Span source = take(pages);
            return carve(source, source.startPage, pages, state);
        } finally {
            lock.unlock();
        }
    }

    /** A span of {@code pages} pages whose start is a multiple of {@code alignPages} pages. */
    public Span allocateAligned(int pages, long alignPages, Span.State state) {
        if (alignPages <= 1) {
            return allocate(pages, state);
        }
        lock.lock();
        try {
            ensureOpen();
            long need = pages + alignPages - 1;
            if (need > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("alignment too large: " + (alignPages << PAGE_SHIFT));
            }
            Span source = take((int) need);
            long start = (source.startPage + alignPages - 1) / alignPages * alignPages;
            return carve(source, start, pages, state);
        } finally {
            lock.unlock();
        }
    }

    /** Returns a SMALL or LARGE span to the heap. */
    public void free(Span span) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (span.state != Span.State.SMALL && span.state != Span.State.LARGE) {
                throw new IllegalStateException("span " + span + " is not in use");
            }
            span.state = Span.State.RETIRED;
            inUseBytes -= span.bytes();
            insertFree(span.startPage, span.pages, false);
            if (freeBytes > releaseThreshold) {
                releaseLocked(freeBytes - releaseThreshold);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Gives up to {@code bytes} of free memory back to the OS, largest spans first; returns bytes released. */
    public long release(long bytes) {
        lock.lock();
        try {
            return closed ? 0 : releaseLocked(bytes);
        } finally {
            lock.unlock();
        }
    }

    private long releaseLocked(long bytes) {
        long done = 0;
        while (done < bytes && !free.isEmpty()) {
            Span s = free.pollLast();
            s.state = Span.State.RETIRED;
            freeBytes -= s.bytes();
            OsMemory.advise(s.start(), s.bytes(), OsMemory.MADV_DONTNEED);
            done += s.bytes();
            releasedTotal += s.bytes();
            insertFree(s.startPage, s.pages, true);
        }
        return done;
    }

    /** Removes and returns a free span of at least {@code pages}, growing the heap if needed. */
    private Span take(int pages) {
        Span probe = new Span(0, pages, Span.State.RETIRED);
        Span s = free.ceiling(probe);
        if (s != null) {
            free.remove(s);
            freeBytes -= s.bytes();
        } else {
            s = returned.ceiling(probe);
            if (s != null) {
                returned.remove(s);
                returnedBytes -= s.bytes();
            } else {
                s = grow(pages);
            }
        }
        s.state = Span.State.RETIRED;
        return s;
    }

    /** Cuts [start, start + pages) out of a taken free span; the rest goes back as free spans. */
    private Span carve(Span source, long start, int pages, Span.State state) {
        Span result = new Span(start, pages, state);
        pageMap.set(start, pages, result);
        inUseBytes += result.bytes();
        if (start > source.startPage) {
            insertFree(source.startPage, (int) (start - source.startPage), source.returned);
        }
        long end = start + pages;
        long sourceEnd = source.startPage + source.pages;
        if (sourceEnd > end) {
            insertFree(end, (int) (sourceEnd - end), source.returned);
        }
        return result;
    }

    /** Inserts a free run, merging with adjacent free spans of the same kind. */
    private void insertFree(long start, int pages, boolean isReturned) {
        Span prev = pageMap.atPage(start - 1);
        if (prev != null && prev.state == Span.State.FREE && prev.returned == isReturned
                && prev.startPage + prev.pages == start) {
            removeFree(prev);
            start = prev.startPage;
            pages += prev.pages;
        }
        Span next = pageMap.atPage(start + pages);
        if (next != null && next.state == Span.State.FREE && next.returned == isReturned
                && next.startPage == start + pages) {
            removeFree(next);
            pages += next.pages;
        }
        Span merged = new Span(start, pages, Span.State.FREE);
        merged.returned = isReturned;
        pageMap.setEnds(merged);
        if (isReturned) {
            returned.add(merged);
            returnedBytes += merged.bytes();
        } else {
            free.add(merged);
            freeBytes += merged.bytes();
        }
    }

    private void removeFree(Span s) {
        if (s.returned) {
            returned.remove(s);
            returnedBytes -= s.bytes();
        } else {
            free.remove(s);
            freeBytes -= s.bytes();
        }
        s.state = Span.State.RETIRED;
    }

    /** Maps a new region (2 MiB aligned, for huge pages) big enough for {@code pages}. */
    private Span grow(int pages) {
        long want = Math.max(growBytes, ((long) pages << PAGE_SHIFT) + HUGE_PAGE - 1 & -HUGE_PAGE);
        long raw = OsMemory.map(want + HUGE_PAGE);
        long start = (raw + HUGE_PAGE - 1) & -HUGE_PAGE;
        if (start > raw) {
            OsMemory.unmap(raw, start - raw);
        }
        long tail = raw + want + HUGE_PAGE - (start + want);
        if (tail > 0) {
            OsMemory.unmap(start + want, tail);
        }
        switch (hugePages) {
            case ALWAYS -> OsMemory.advise(start, want, OsMemory.MADV_HUGEPAGE);
            case NEVER -> OsMemory.advise(start, want, OsMemory.MADV_NOHUGEPAGE);
            case SYSTEM_DEFAULT -> { }
        }
        regions.add(new long[] {start, want});
        mappedBytes += want;
        Span s = new Span(start >>> PAGE_SHIFT, (int) (want >>> PAGE_SHIFT), Span.State.FREE);
        return s;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }

    /** A consistent snapshot of the heap's byte counts. */
    public Stats stats() {
        lock.lock();
        try {
            return new Stats(mappedBytes, inUseBytes, freeBytes, returnedBytes, releasedTotal, regions.size());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Page heap byte counts.
     *
     * @param mappedBytes   address space mapped from the OS
     * @param inUseBytes    in spans handed to size classes or large allocations
     * @param freeBytes     free, still backed by memory (reused first)
     * @param returnedBytes free and given back to the OS
     * @param releasedTotal bytes ever given back (cumulative)
     * @param regions       mmap'ed regions
     */
    public record Stats(long mappedBytes, long inUseBytes, long freeBytes, long returnedBytes,
                        long releasedTotal, int regions) {
    }

    /** Unmaps every region. Spans and addresses from this heap become invalid. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (long[] r : regions) {
                OsMemory.unmap(r[0], r[1]);
            }
            regions.clear();
        } finally {
            lock.unlock();
        }
    }
}
