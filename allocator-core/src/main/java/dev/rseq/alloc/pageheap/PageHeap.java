package dev.rseq.alloc.pageheap;

import dev.rseq.alloc.jfr.OsMemoryEvent;
import dev.rseq.alloc.os.Memory;
import dev.rseq.alloc.os.OsMemory;
import dev.rseq.alloc.sync.SpinningLock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pages over one contiguous reservation of address space: spans are carved best-fit from
 * free spans, freed spans coalesce with free neighbours of the same kind, and idle free
 * memory goes back to the OS with {@code madvise(MADV_DONTNEED)} on demand ({@link
 * #release}) and by policy (when free, backed bytes exceed the release threshold).
 * Requests at or above {@link Config#dedicatedBytes} get a mapping of their own, made and
 * unmapped outside the lock.
 *
 * <p>One reservation, not a list of regions: an address is this heap's exactly when {@code
 * address - base} is below {@link #reservedBytes()} (one subtraction and one unsigned
 * compare), and the page map is indexed by page number within it.
 *
 * <p>Accounting invariant, checked by tests: {@code mappedBytes == inUseBytes + freeBytes +
 * unbackedBytes}. Every method keeps the heap consistent when it throws: the only
 * allocations (page-map leaves, new spans) and the only system calls that can fail happen
 * before any state changes.
 */
public final class PageHeap implements AutoCloseable {
    public static final int PAGE_SHIFT = 13;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** Tag of a large span's first page in the page map (size classes use 1..254). */
    public static final int LARGE_TAG = 0xFF;
    /** Tags carry the page's index within its span above this shift. */
    public static final int TAG_CLASS_BITS = 8;

    private static final long HUGE_PAGE = 2L << 20;
    /** Reservation alignments up to this are served from the reservation by over-carving. */
    private static final long MAX_IN_HEAP_ALIGNMENT = HUGE_PAGE;

    private static final Comparator<Span> BY_SIZE_THEN_ADDRESS =
            Comparator.<Span>comparingLong(s -> s.pages).thenComparingLong(s -> s.start);

    /**
     * A page heap over {@code memory}, reserving its address space at once and committing it as it grows.
     *
     * @param reserveBytes    address space reserved for spans (rounded up to 2 MiB)
     * @param growBytes       bytes committed at a time (rounded up to 2 MiB)
     * @param hugePageAdvice  {@link OsMemory#MADV_HUGEPAGE}, {@link OsMemory#MADV_NOHUGEPAGE}, or 0 for none
     * @param releaseBytes    free backed bytes kept before the excess is returned to the OS
     * @param dedicatedBytes  large blocks of at least this size get their own mapping
     * @param memory          where address space and memory come from
     */
    public record Config(
            long reserveBytes,
            long growBytes,
            int hugePageAdvice,
            long releaseBytes,
            long dedicatedBytes,
            Memory memory) {
        /** With memory from the OS (mmap). */
        public Config(long reserveBytes, long growBytes, int hugePageAdvice, long releaseBytes, long dedicatedBytes) {
            this(reserveBytes, growBytes, hugePageAdvice, releaseBytes, dedicatedBytes, OsMemory.INSTANCE);
        }
    }

    private final SpinningLock lock = new SpinningLock();
    private final long base;
    private final long reservedBytes;
    private final PageMap map;
    private final TreeSet<Span> backed = new TreeSet<>(BY_SIZE_THEN_ADDRESS);
    private final TreeSet<Span> unbacked = new TreeSet<>(BY_SIZE_THEN_ADDRESS);
    private final ConcurrentHashMap<Long, Span> dedicated = new ConcurrentHashMap<>();
    private final Config config;
    private final Memory memory;
    private final long growBytes;

    private long committedBytes;
    private long dedicatedBytes;
    private long inUseBytes;
    private long freeBytes;
    private long unbackedBytes;
    private long releasedTotal;
    private boolean closed;
    private boolean unmapped;

    public PageHeap(Config config) {
        this.config = config;
        this.memory = config.memory();
        this.growBytes = roundUp(Math.max(config.growBytes(), PAGE_SIZE), HUGE_PAGE);
        long reserve = roundUp(Math.max(config.reserveBytes(), HUGE_PAGE), HUGE_PAGE);
        // 2 MiB aligned: huge pages, and aligned requests up to 2 MiB carved in place.
        this.base = memory.reserve(reserve, HUGE_PAGE);
        this.reservedBytes = reserve;
        try {
            this.map = new PageMap(reserve >>> PAGE_SHIFT, memory);
        } catch (RuntimeException | Error e) {
            memory.release(base, reserve);
            throw e;
        }
    }

    /** "os" or "jdk": where this heap's memory comes from. */
    public String memoryName() {
        return memory.name();
    }

    /** First address of the reservation. */
    public long base() {
        return base;
    }

    /** Bytes of address space reserved; an address is in the heap iff {@code address - base} is below this, unsigned. */
    public long reservedBytes() {
        return reservedBytes;
    }

    /**
     * The page-map tag of the page at {@code offset} from {@link #base()}: 0 unless the page
     * belongs to a live SMALL span ({@code sizeClass | pageInSpan << 8}) or is the first
     * page of a live LARGE span ({@link #LARGE_TAG}). The caller guarantees the offset is
     * inside the reservation. Lock-free.
     */
    public int tagAt(long offset) {
        return map.tag(offset >>> PAGE_SHIFT);
    }

    /**
     * The tag array's address, for the free path's own lookup: {@link #tagAt}'s tag for
     * {@code offset} is the {@code int} at {@code tagBase() + (offset >>> PAGE_SHIFT) * 4}.
     * Valid until {@link #close}; callers stop reading it when the heap closes.
     */
    public long tagBase() {
        return map.tagBase();
    }

    /**
     * The live SMALL or LARGE span holding {@code address}, or null. For a large block only
     * its first and last pages are mapped, so an interior address of one is not found.
     * Lock-free.
     */
    public Span spanOf(long address) {
        long offset = address - base;
        Span s;
        if (Long.compareUnsigned(offset, reservedBytes) < 0) {
            s = map.span(offset >>> PAGE_SHIFT);
        } else {
            s = dedicated.get(address);
        }
        if (s == null
                || (s.state != Span.State.SMALL && s.state != Span.State.LARGE)
                || address - s.start >= s.bytes()
                || address < s.start) {
            return null;
        }
        return s;
    }

    /** A SMALL span of {@code pages} pages for size class {@code sizeClass}, every page tagged. */
    public Span allocateSmall(int pages, int sizeClass) {
        lock.lock();
        try {
            ensureOpen();
            Span source = take(pages);
            Span s = carve(source, source.start, pages, Span.State.SMALL);
            s.sizeClass = sizeClass;
            for (int i = 0; i < pages; i++) {
                map.set(s.startPage + i, 1, s, sizeClass | i << TAG_CLASS_BITS);
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A LARGE span of at least {@code bytes} bytes whose start is a multiple of {@code
     * alignment} (a power of two). From the reservation when small enough, else a mapping
     * of its own made outside the lock.
     */
    public Span allocateLarge(long bytes, long alignment) {
        long pages = (bytes + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        long alignPages = Math.max(1, alignment >>> PAGE_SHIFT);
        if (bytes >= config.dedicatedBytes()
                || alignment > MAX_IN_HEAP_ALIGNMENT
                || pages + alignPages - 1 > reservedBytes >>> PAGE_SHIFT) {
            return allocateDedicated(pages << PAGE_SHIFT, Math.max(alignment, PAGE_SIZE));
        }
        lock.lock();
        try {
            ensureOpen();
            Span source = take(pages + alignPages - 1);
            long start = roundUp(source.start, alignPages << PAGE_SHIFT);
            Span s = carve(source, start, pages, Span.State.LARGE);
            map.setEnds(s, LARGE_TAG);
            return s;
        } finally {
            lock.unlock();
        }
    }

    private Span allocateDedicated(long bytes, long alignment) {
        ensureOpenRacy();
        // Exactly the block, at its alignment: address space beyond it is never kept.
        long start = memory.reserve(bytes, alignment);
        try {
            memory.commit(start, bytes);
        } catch (OutOfMemoryError e) {
            memory.release(start, bytes);
            throw e;
        }
        osEvent("dedicated-map", bytes);
        Span s = new Span(start, -1, bytes >>> PAGE_SHIFT, Span.State.LARGE);
        s.zeroed = true;
        lock.lock();
        try {
            if (closed) {
                memory.release(start, bytes);
                throw new IllegalStateException("allocator is closed");
            }
            dedicated.put(start, s);
            dedicatedBytes += bytes;
            inUseBytes += bytes;
        } finally {
            lock.unlock();
        }
        return s;
    }

    /**
     * Returns a SMALL or LARGE span to the heap.
     *
     * @throws IllegalStateException when the span is not in use (freed twice)
     */
    public void free(Span span) {
        if (span.isDedicated()) {
            freeDedicated(span);
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (span.state == Span.State.SMALL) {
                map.clearTags(span.startPage, span.pages);
            } else if (span.state == Span.State.LARGE) {
                map.clearTags(span.startPage, 1);
            } else {
                throw new IllegalStateException("span " + span + " is not in use");
            }
            span.state = Span.State.RETIRED;
            inUseBytes -= span.bytes();
            insertFree(span.startPage, span.pages, false);
            if (freeBytes > config.releaseBytes()) {
                // Down to half the threshold, not to the threshold: a heap whose free memory
                // hovers at the threshold would otherwise release a span on nearly every free
                // and fault it back on the next allocation (measured: 1.1 GB/s of
                // madvise in the stress run). The hysteresis makes each release pay for
                // threshold/2 bytes of net frees.
                releaseLocked(freeBytes - config.releaseBytes() / 2);
            }
        } finally {
            lock.unlock();
        }
    }

    private void freeDedicated(Span span) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (span.state != Span.State.LARGE || dedicated.remove(span.start) == null) {
                throw new IllegalStateException("span " + span + " is not in use");
            }
            span.state = Span.State.RETIRED;
            dedicatedBytes -= span.bytes();
            inUseBytes -= span.bytes();
            releasedTotal += span.bytes();
        } finally {
            lock.unlock();
        }
        memory.release(span.start, span.bytes());
        osEvent("dedicated-unmap", span.bytes());
    }

    private static void osEvent(String operation, long bytes) {
        OsMemoryEvent event = new OsMemoryEvent();
        if (event.shouldCommit()) {
            event.operation = operation;
            event.bytes = bytes;
            event.commit();
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
        OsMemoryEvent event = new OsMemoryEvent();
        event.begin();
        long done = releaseSpans(bytes);
        event.end();
        if (done > 0 && event.shouldCommit()) {
            event.operation = "release";
            event.bytes = done;
            event.commit();
        }
        return done;
    }

    private long releaseSpans(long bytes) {
        long done = 0;
        while (done < bytes && !backed.isEmpty()) {
            Span s = backed.last();
            // Advise first: if it throws, the span is still where it was.
            memory.forget(s.start, s.bytes());
            backed.remove(s);
            s.state = Span.State.RETIRED;
            freeBytes -= s.bytes();
            done += s.bytes();
            releasedTotal += s.bytes();
            insertFree(s.startPage, s.pages, true);
        }
        return done;
    }

    /** Removes and returns a free span of at least {@code pages}, growing the heap if needed. */
    private Span take(long pages) {
        Span probe = new Span(0, 0, pages, Span.State.RETIRED);
        Span s = backed.ceiling(probe);
        if (s != null) {
            backed.remove(s);
            freeBytes -= s.bytes();
        } else {
            s = unbacked.ceiling(probe);
            if (s == null) {
                grow(pages);
                s = unbacked.ceiling(probe);
            }
            unbacked.remove(s);
            unbackedBytes -= s.bytes();
        }
        s.state = Span.State.RETIRED;
        return s;
    }

    /** Cuts {@code [start, start + pages)} out of a taken free span; the rest goes back as free spans. */
    private Span carve(Span source, long start, long pages, Span.State state) {
        long startPage = (start - base) >>> PAGE_SHIFT;
        Span result = new Span(start, startPage, pages, state);
        result.zeroed = source.unbacked;
        inUseBytes += result.bytes();
        if (startPage > source.startPage) {
            insertFree(source.startPage, startPage - source.startPage, source.unbacked);
        }
        long end = startPage + pages;
        long sourceEnd = source.startPage + source.pages;
        if (sourceEnd > end) {
            insertFree(end, sourceEnd - end, source.unbacked);
        }
        return result;
    }

    /** Inserts a free run, merging with adjacent free spans of the same kind. */
    private void insertFree(long startPage, long pages, boolean isUnbacked) {
        Span prev = map.span(startPage - 1);
        if (prev != null
                && prev.state == Span.State.FREE
                && prev.unbacked == isUnbacked
                && prev.startPage + prev.pages == startPage) {
            removeFree(prev);
            startPage = prev.startPage;
            pages += prev.pages;
        }
        Span next = map.span(startPage + pages);
        if (next != null
                && next.state == Span.State.FREE
                && next.unbacked == isUnbacked
                && next.startPage == startPage + pages) {
            removeFree(next);
            pages += next.pages;
        }
        Span merged = new Span(base + (startPage << PAGE_SHIFT), startPage, pages, Span.State.FREE);
        merged.unbacked = isUnbacked;
        map.setEnds(merged, 0);
        if (isUnbacked) {
            unbacked.add(merged);
            unbackedBytes += merged.bytes();
        } else {
            backed.add(merged);
            freeBytes += merged.bytes();
        }
    }

    private void removeFree(Span s) {
        if (s.unbacked) {
            unbacked.remove(s);
            unbackedBytes -= s.bytes();
        } else {
            backed.remove(s);
            freeBytes -= s.bytes();
        }
        s.state = Span.State.RETIRED;
    }

    /** Commits the next part of the reservation (at least {@code pages}) and adds it as free, unbacked pages. */
    private void grow(long pages) {
        long want = Math.max(growBytes, roundUp(pages << PAGE_SHIFT, HUGE_PAGE));
        long left = reservedBytes - committedBytes;
        if (want > left) {
            want = left;
        }
        if (want < pages << PAGE_SHIFT) {
            throw new OutOfMemoryError("the allocator's reservation of " + reservedBytes + " bytes is exhausted ("
                    + inUseBytes + " in use, " + (freeBytes + unbackedBytes) + " free but fragmented); "
                    + "raise the reservation (rseqalloc.heapReserveBytes) or free blocks");
        }
        long start = base + committedBytes;
        long firstPage = committedBytes >>> PAGE_SHIFT;
        map.ensureLeaves(firstPage, want >>> PAGE_SHIFT);
        OsMemoryEvent event = new OsMemoryEvent();
        event.begin();
        memory.commit(start, want);
        event.end();
        if (event.shouldCommit()) {
            event.operation = "commit";
            event.bytes = want;
            event.commit();
        }
        memory.adviseHugePages(start, want, config.hugePageAdvice());
        committedBytes += want;
        insertFree(firstPage, want >>> PAGE_SHIFT, true);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }

    private void ensureOpenRacy() {
        lock.lock();
        try {
            ensureOpen();
        } finally {
            lock.unlock();
        }
    }

    /** A consistent snapshot of the heap's byte counts. */
    public Stats stats() {
        lock.lock();
        try {
            return new Stats(
                    reservedBytes,
                    committedBytes + dedicatedBytes,
                    inUseBytes,
                    freeBytes,
                    unbackedBytes,
                    releasedTotal,
                    dedicated.size(),
                    map.leaves());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Page heap byte counts.
     *
     * @param reservedBytes     address space reserved for spans
     * @param mappedBytes       bytes usable now: committed part of the reservation plus dedicated mappings
     * @param inUseBytes        in spans handed to size classes or large allocations
     * @param freeBytes         free and backed by memory (reused first)
     * @param unbackedBytes     free and holding no memory (never touched, or given back)
     * @param releasedTotal     bytes ever given back to the OS (cumulative)
     * @param dedicatedMappings large blocks living in a mapping of their own
     * @param pageMapLeaves     page-map leaves made (Java heap cost grows with this)
     */
    public record Stats(
            long reservedBytes,
            long mappedBytes,
            long inUseBytes,
            long freeBytes,
            long unbackedBytes,
            long releasedTotal,
            int dedicatedMappings,
            int pageMapLeaves) {}

    /**
     * Clears every page tag (close): from then on every free and size lookup finds no block
     * here and fails before it touches memory.
     */
    public void clearTags() {
        lock.lock();
        try {
            map.clearAllTags();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives every free page back to the OS and stops handing out spans, but keeps the
     * address space mapped: for a close while blocks may still be reached through raw
     * addresses, which must read and write harmlessly instead of faulting.
     */
    public void retire() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            releaseLocked(Long.MAX_VALUE);
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Unmaps the reservation and every dedicated mapping. Spans and addresses from this heap become invalid. */
    @Override
    public void close() {
        List<Span> mappings;
        lock.lock();
        try {
            if (unmapped) {
                return;
            }
            closed = true;
            unmapped = true;
            mappings = new ArrayList<>(dedicated.values());
            dedicated.clear();
            memory.release(base, reservedBytes);
            map.release();
        } finally {
            lock.unlock();
        }
        for (Span s : mappings) {
            memory.release(s.start, s.bytes());
        }
    }

    private static long roundUp(long value, long unit) {
        return (value + unit - 1) & -unit;
    }
}
