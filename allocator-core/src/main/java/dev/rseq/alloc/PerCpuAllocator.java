package dev.rseq.alloc;

import dev.rseq.alloc.central.CentralTier;
import dev.rseq.alloc.frontend.Magazine;
import dev.rseq.alloc.frontend.MagazineLayout;
import dev.rseq.alloc.frontend.MagazineRegistry;
import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.pageheap.Span;
import dev.rseq.alloc.pageheap.SpanObjects;
import dev.rseq.alloc.percpu.CasCache;
import dev.rseq.alloc.percpu.RseqSlab;
import dev.rseq.alloc.percpu.SlabLayout;
import dev.rseq.alloc.rseq.RseqMode;
import dev.rseq.alloc.rseq.RseqNative;
import dev.rseq.alloc.sizeclass.SizeClasses;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A per-CPU off-heap allocator in the style of tcmalloc.
 *
 * <pre>
 *   allocate/free ──▶ size class (table lookup)
 *     ├─ magazine (platform threads; bounded count)       no downcall, no atomic
 *     ├─ per-CPU slab (rseq critical sections) │ CAS caches (threads without rseq)
 *     ├─ transfer cache ─▶ central free list (spans, free bitmaps)
 *     └─ page heap over mmap (large allocations too) ─▶ madvise(MADV_DONTNEED)
 * </pre>
 *
 * <p>Thread safety: every method may be called from any thread, platform or virtual;
 * a block may be freed by a thread other than the one that allocated it.
 *
 * <p>Always-on checks: sizes and alignments; unsized {@link #free(long)} and
 * {@link #usableSize} validate the address through the page map (not from this
 * allocator, or inside a free span: {@link IllegalArgumentException}); blocks returning to
 * spans are checked against the span's free bitmap (double free:
 * {@link IllegalStateException}). Checked mode ({@link Builder#checked}) adds, on every
 * allocate and free, an atomic per-object "with a user" bit, so a double free, an
 * interior pointer or a sized free with the wrong size is reported at the call.
 */
public final class PerCpuAllocator implements AutoCloseable {
    private static final long MAX_LARGE_SIZE = 1L << 40;

    private final SizeClasses sizes;
    private final PageHeap heap;
    private final CentralTier central;
    private final RseqSlab slab;
    private final CasCache cas;
    private final MagazineRegistry magazines;
    private final boolean useMagazines;
    private final boolean useRseq;
    private final boolean checked;
    private final boolean isGlobal;
    private final FastPath fastPath;
    private final LongAdder perCpuMisses = new LongAdder();
    private final LongAdder casOperations = new LongAdder();
    private final LongAdder largeBytes = new LongAdder();
    private final Maintenance maintenance;
    /**
     * Held by every maintenance pass, by releaseMemory() and by close() around unmapping: a
     * pass flushes a dead magazine or a transfer cache in several steps, and neither an
     * explicit release (whose callers then read exact statistics) nor the unmapping of the
     * heap may run in the middle of one.
     */
    private final Object maintenanceLock = new Object();
    /** Written once by close(); read plainly on the fast path (a same-thread use after close is always seen). */
    private boolean closed;
    private volatile boolean closing;

    private PerCpuAllocator(Builder b, boolean isGlobal) {
        this.isGlobal = isGlobal;
        this.sizes = new SizeClasses();
        this.heap = new PageHeap(b.growBytes, b.hugePages, b.releaseThresholdBytes);
        this.checked = b.checked;
        this.central = new CentralTier(sizes, heap, checked);
        SlabLayout layout = new SlabLayout(sizes);
        this.useRseq = !b.forceCas && !RseqNative.FORCE_CAS;
        this.slab = useRseq ? new RseqSlab(sizes, layout, b.perCpuCacheBytes) : null;
        this.cas = new CasCache(layout, Runtime.getRuntime().availableProcessors());
        this.fastPath = b.fastPath;
        this.useMagazines = b.fastPath == FastPath.MAGAZINE;
        MagazineLayout magazineLayout = new MagazineLayout(sizes);
        this.magazines = new MagazineRegistry(magazineLayout, b.maxMagazines, sizes.count());
        this.maintenance = b.maintenanceInterval == null ? null : Maintenance.start(this, b.maintenanceInterval);
    }

    /** The process-wide allocator, configured by system properties (see {@link Builder#fromSystemProperties}). */
    public static PerCpuAllocator global() {
        return GlobalHolder.INSTANCE;
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ allocate

    /**
     * A block of at least {@code size} bytes, aligned to 16 bytes (8 for sizes up to 8).
     * Its contents are unspecified.
     *
     * @throws IllegalArgumentException when {@code size <= 0} or above 1 TiB
     * @throws IllegalStateException    when the allocator is closed
     */
    public long allocate(long size) {
        if (size - 1 >= SizeClasses.MAX_SMALL_SIZE || size <= 0) {
            return allocateLarge(size, 1);
        }
        int c = sizes.classOf(size);
        // Only a platform thread that installed a magazine finds itself as its owner, so the
        // hit path needs no test for virtual threads or for the fast-path setting: those
        // find no magazine and take the branch below.
        Thread self = Thread.currentThread();
        Magazine m = magazines.home(self);
        if (m == null) {
            if (!useMagazines || self.isVirtual()) {
                return allocateDirect(c, null);
            }
            m = findMagazine(self);
        }
        int t = m.top[c];
        int floor = m.floor[c];
        if (t > floor && !closed) {
            m.top[c] = --t;
            long p = m.slots[t];
            return checked ? checkOut(p, c) : p;
        }
        // Classes above the magazine's per-class bound have no slots: straight to the slab.
        return m.ceil[c] == floor ? allocateDirect(c, m) : refill(m, c);
    }

    /**
     * A block of at least {@code size} bytes at a multiple of {@code alignment} (a power of
     * two). Free it with {@link #free(long)}, or with {@link #free(long, long)} and its
     * {@link #usableSize}.
     */
    public long allocateAligned(long size, long alignment) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, not " + alignment);
        }
        if (size <= 0 || size > MAX_LARGE_SIZE) {
            throw badSize(size);
        }
        if (alignment <= 16 && size > 8) {
            return allocate(size);
        }
        if (alignment <= PageHeap.PAGE_SIZE) {
            // Objects sit at multiples of their size from a page-aligned span start.
            for (int c = size <= SizeClasses.MAX_SMALL_SIZE ? sizes.classOf(size) : sizes.count();
                 c < sizes.count(); c++) {
                if (sizes.size(c) % alignment == 0) {
                    return allocate(sizes.size(c));
                }
            }
        }
        // Large even when size is small: at least MAX_SMALL_SIZE + 1 bytes, so its usableSize
        // sends a sized free(address, usableSize) to the large path, never to a size class.
        return allocateLarge(Math.max(size, SizeClasses.MAX_SMALL_SIZE + 1L), alignment);
    }

    /**
     * Fills {@code out[off .. off + count)} with blocks of {@code size} bytes: the bulk API,
     * one batch downcall for up to a batch of blocks instead of one call per block.
     */
    public void allocateBulk(long size, long[] out, int off, int count) {
        java.util.Objects.checkFromIndexSize(off, count, out.length);
        if (size - 1 >= SizeClasses.MAX_SMALL_SIZE || size <= 0 || checked) {
            for (int i = 0; i < count; i++) {
                out[off + i] = allocate(size);
            }
            return;
        }
        checkOpen();
        int c = sizes.classOf(size);
        int done = 0;
        boolean rseq = useRseq && currentThreadUsesRseq();
        while (done < count) {
            int n = Math.min(count - done, sizes.batch(c));
            long got = rseq ? slab.popBatch(c, out, off + done, n) : cas.popBatch(c, out, off + done, n);
            if (got <= 0) {
                central.remove(c, out, off + done, n);
                got = n;
            }
            done += (int) got;
        }
    }

    /** Frees {@code count} blocks of {@code size} bytes from {@code in[off ..]}, in batches. */
    public void freeBulk(long[] in, int off, int count, long size) {
        java.util.Objects.checkFromIndexSize(off, count, in.length);
        if (size - 1 >= SizeClasses.MAX_SMALL_SIZE || size <= 0 || checked) {
            for (int i = 0; i < count; i++) {
                free(in[off + i], size);
            }
            return;
        }
        checkOpen();
        int c = sizes.classOf(size);
        for (int i = off; i < off + count; i++) {
            checkSizedAddress(in[i]);
        }
        boolean rseq = useRseq && currentThreadUsesRseq();
        int left = count;
        while (left > 0) {
            int n = Math.min(left, sizes.batch(c));
            int from = off + left - n;
            long moved = rseq ? slab.pushBatch(c, in, from, n) : cas.pushBatch(c, in, from, n);
            if (moved < n) {
                central.insert(c, in, from, n - (int) Math.max(0, moved));
            }
            left -= n;
        }
    }

    /** A segment of {@code size} bytes in the global scope; free it with {@link #free(MemorySegment)}. */
    public MemorySegment allocateSegment(long size) {
        return MemorySegment.ofAddress(allocate(size)).reinterpret(size);
    }

    /** An Agrona buffer over a new block of {@code capacity} bytes; free it with {@link #freeBuffer}. */
    public UnsafeBuffer allocateBuffer(int capacity) {
        return new UnsafeBuffer(allocate(capacity), capacity);
    }

    // ---------------------------------------------------------------------- free

    /**
     * Frees a block, looking its size up in the page map.
     *
     * @throws IllegalArgumentException when the address is not a live block of this allocator
     * @throws IllegalStateException    on a double free detected here or in the central tier
     */
    public void free(long address) {
        Span s = (address & 7) == 0 ? heap.spanOf(address) : null;
        if (s == null) {
            checkOpen();
            throw new IllegalArgumentException("0x" + Long.toHexString(address)
                    + " is not a live block of this allocator (foreign address, or its memory was already freed)");
        }
        if (s.state() == Span.State.SMALL) {
            freeSmall(address, s.sizeClass());
        } else {
            freeLarge(address, s);
        }
    }

    /**
     * Frees a block of {@code size} bytes (the size it was allocated with): no page-map
     * lookup unless the block is large or checked mode is on. Freeing with another size
     * class's size is undefined outside checked mode.
     */
    public void free(long address, long size) {
        if (size - 1 >= SizeClasses.MAX_SMALL_SIZE || size <= 0) {
            if (size <= 0 || size > MAX_LARGE_SIZE) {
                throw badSize(size);
            }
            free(address);
            return;
        }
        checkSizedAddress(address);
        freeSmall(address, sizes.classOf(size));
    }

    public void free(MemorySegment segment) {
        free(segment.address());
    }

    public void freeBuffer(DirectBuffer buffer) {
        free(buffer.addressOffset());
    }

    private void freeSmall(long address, int c) {
        if (checked) {
            checkIn(address, c);
        }
        Thread self = Thread.currentThread();
        Magazine m = magazines.home(self);
        if (m == null) {
            if (!useMagazines || self.isVirtual()) {
                freeDirect(c, address, null);
                return;
            }
            m = findMagazine(self);
        }
        int t = m.top[c];
        int ceil = m.ceil[c];
        if (t < ceil && !closed) {
            m.slots[t] = address;
            m.top[c] = t + 1;
            return;
        }
        if (ceil == m.floor[c]) {
            freeDirect(c, address, m);
            return;
        }
        drain(m, c, address);
    }

    /** Usable bytes of a live block: its size class's size, or a large block's page-rounded size. */
    public long usableSize(long address) {
        Span s = heap.spanOf(address);
        if (s == null || (s.state() == Span.State.LARGE ? address != s.start() : SpanObjects.indexOf(s, address) < 0)) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is not a block of this allocator");
        }
        return s.state() == Span.State.SMALL ? s.objectSize() : s.bytes();
    }

    // ---------------------------------------------------------------- slow paths

    private long refill(Magazine m, int c) {
        checkOpen();
        int floor = m.floor[c];
        int n = Math.max(1, (m.ceil[c] - floor) / 2);
        long got = m.mode.usesRseq() ? slab.popBatch(c, m.classSegments[c], n) : casPopBatch(c, m.slots, floor, n);
        if (got <= 0) {
            if (got == 0 && m.mode.usesRseq()) {
                slabMiss(c);
            }
            central.remove(c, m.slots, floor, n);
            got = n;
        }
        m.refills++;
        int t = floor + (int) got - 1;
        m.top[c] = t;
        long p = m.slots[t];
        return checked ? checkOut(p, c) : p;
    }

    private void drain(Magazine m, int c, long address) {
        checkOpen();
        int floor = m.floor[c];
        int t = m.top[c];
        int n = Math.max(1, (t - floor) / 2);
        // The oldest half [floor, floor + n) leaves (the newest blocks stay, cache-warm); it
        // starts at the class floor so the magazine's prebuilt segment view serves the downcall.
        long moved = m.mode.usesRseq() ? slab.pushBatch(c, m.classSegments[c], n) : casPushBatch(c, m.slots, floor, n);
        // Batch pushes take from the end, so the first n - moved entries are left for the
        // central tier. They are copied out and the magazine is settled before the insert:
        // an insert that throws (an invalid block freed unchecked) must not leave blocks
        // that already moved on still counted in the magazine.
        int left = n - (int) Math.max(0, moved);
        long[] toCentral = left > 0 ? Arrays.copyOfRange(m.slots, floor, floor + left) : null;
        if (left > 0 && moved >= 0 && m.mode.usesRseq()) {
            slabMiss(c);
        }
        m.drains++;
        int kept = t - floor - n;
        System.arraycopy(m.slots, floor + n, m.slots, floor, kept);
        m.slots[floor + kept] = address;
        m.top[c] = floor + kept + 1;
        if (toCentral != null) {
            central.insert(c, toCentral, 0, left);
        }
    }

    /** @param m the caller's magazine (its scratch buffer serves batch moves), or null */
    private long allocateDirect(int c, Magazine m) {
        if (useRseq) {
            long p = slab.pop(c);
            if (p > 0) {
                return checked ? checkOut(p, c) : p;
            }
            if (p != RseqNative.NOT_REGISTERED || RseqNative.attachCurrentThread().usesRseq()) {
                if (p == RseqNative.NOT_REGISTERED) {
                    p = slab.pop(c);
                    if (p > 0) {
                        return checked ? checkOut(p, c) : p;
                    }
                }
                return refillSlab(c, p, m);
            }
        }
        return allocateCas(c);
    }

    /** The slab had nothing (or refused): take a batch from the central tier, keep one, cache the rest. */
    private long refillSlab(int c, long popResult, Magazine m) {
        checkOpen();
        if (popResult == 0) {
            slabMiss(c);
        }
        int n = sizes.batch(c);
        boolean scratch = m != null && m.scratch != null; // the "none" magazine has none
        long[] buf = scratch ? m.scratch : new long[n];
        central.remove(c, buf, 0, n);
        long pushed = n > 1 ? slab.pushBatch(c, scratch ? m.scratchSegment : MemorySegment.ofArray(buf), n - 1) : 0;
        int left = n - 1 - (int) Math.max(0, pushed);
        long p = buf[n - 1];
        if (left > 0) {
            central.insert(c, buf, 0, left);
        }
        return checked ? checkOut(p, c) : p;
    }

    private long allocateCas(int c) {
        checkOpen();
        casOperations.increment();
        long p = cas.pop(c);
        if (p == 0) {
            int n = sizes.batch(c);
            long[] buf = new long[n];
            central.remove(c, buf, 0, n);
            int pushed = n > 1 ? cas.pushBatch(c, buf, 0, n - 1) : 0;
            if (n - 1 - pushed > 0) {
                central.insert(c, buf, 0, n - 1 - pushed);
            }
            p = buf[n - 1];
        }
        return checked ? checkOut(p, c) : p;
    }

    /** @param m the caller's magazine (its scratch buffer serves batch moves), or null */
    private void freeDirect(int c, long address, Magazine m) {
        if (useRseq) {
            long rc = slab.push(c, address);
            if (rc == 1) {
                return;
            }
            if (rc == RseqNative.NOT_REGISTERED && RseqNative.attachCurrentThread().usesRseq()) {
                rc = slab.push(c, address);
                if (rc == 1) {
                    return;
                }
            }
            if (rc != RseqNative.NOT_REGISTERED) {
                checkOpen();
                if (rc == 0) {
                    slabMiss(c);
                }
                drainSlab(c, address, m);
                return;
            }
        }
        freeCas(c, address);
    }

    /** The slab was full (or refused): move a batch and the block to the central tier. */
    private void drainSlab(int c, long address, Magazine m) {
        int n = sizes.batch(c);
        boolean scratch = m != null && m.scratch != null; // the "none" magazine has none
        long[] buf = scratch ? m.scratch : new long[n + 1];
        long got = slab.popBatch(c, scratch ? m.scratchSegment : MemorySegment.ofArray(buf), n);
        int k = (int) Math.max(0, got);
        buf[k] = address;
        central.insert(c, buf, 0, k + 1);
    }

    private void freeCas(int c, long address) {
        checkOpen();
        casOperations.increment();
        if (!cas.push(c, address)) {
            int n = sizes.batch(c);
            long[] buf = new long[n + 1];
            int k = cas.popBatch(c, buf, 0, n);
            buf[k] = address;
            central.insert(c, buf, 0, k + 1);
        }
    }

    private long casPopBatch(int c, long[] buf, int off, int n) {
        casOperations.increment();
        return cas.popBatch(c, buf, off, n);
    }

    private long casPushBatch(int c, long[] buf, int off, int n) {
        casOperations.increment();
        return cas.pushBatch(c, buf, off, n);
    }

    private void slabMiss(int c) {
        perCpuMisses.increment();
        slab.onMiss(c, currentRegion());
    }

    private static int currentRegion() {
        return RseqNative.currentRegion();
    }

    private boolean currentThreadUsesRseq() {
        return RseqNative.attachCurrentThread().usesRseq();
    }

    private Magazine findMagazine(Thread self) {
        if (closing) {
            return magazines.none();
        }
        return magazines.find(self, () -> useRseq ? RseqNative.attachCurrentThread() : RseqMode.CAS_FORCED,
                this::flushMagazine);
    }

    /** Gives a magazine's blocks back to the central tier (its owner is dead or is the caller). */
    void flushMagazine(Magazine m) {
        for (int c = 1; c < sizes.count(); c++) {
            int n = m.top[c] - m.floor[c];
            if (n > 0) {
                central.insert(c, m.slots, m.floor[c], n);
                m.top[c] = m.floor[c];
            }
        }
    }

    private long allocateLarge(long size, long alignment) {
        if (size <= 0 || size > MAX_LARGE_SIZE) {
            throw badSize(size);
        }
        checkOpen();
        long pages = (size + PageHeap.PAGE_SIZE - 1) >>> PageHeap.PAGE_SHIFT;
        Span s = heap.allocateAligned((int) pages, Math.max(1, alignment >>> PageHeap.PAGE_SHIFT), Span.State.LARGE);
        largeBytes.add(s.bytes());
        return s.start();
    }

    private void freeLarge(long address, Span s) {
        checkOpen();
        if (address != s.start()) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address)
                    + " points inside a large block starting at 0x" + Long.toHexString(s.start()));
        }
        heap.free(s);
        largeBytes.add(-s.bytes());
    }

    // -------------------------------------------------------------- checked mode

    private long checkOut(long p, int c) {
        Span s = heap.spanOf(p);
        int idx = s == null ? -1 : SpanObjects.indexOf(s, p);
        if (idx < 0 || !SpanObjects.markUser(s, idx)) {
            throw new IllegalStateException("internal error: block 0x" + Long.toHexString(p)
                    + " of class " + c + " handed out twice");
        }
        return p;
    }

    private void checkIn(long address, int c) {
        Span s = heap.spanOf(address);
        if (s == null || s.state() != Span.State.SMALL) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is not a block of this allocator");
        }
        if (s.sizeClass() != c) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is a " + s.objectSize()
                    + " B block, freed with a size of class " + c + " (" + sizes.size(c) + " B)");
        }
        int idx = SpanObjects.indexOf(s, address);
        if (idx < 0) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " points inside a "
                    + s.objectSize() + " B block, not at its start");
        }
        if (!SpanObjects.clearUser(s, idx)) {
            throw new IllegalStateException("double free of 0x" + Long.toHexString(address)
                    + " (" + s.objectSize() + " B): the block is not allocated");
        }
    }

    private static void checkSizedAddress(long address) {
        if (address <= 0 || (address & 7) != 0) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is not a block address");
        }
    }

    private void checkOpen() {
        if (closing) {
            throw new IllegalStateException("allocator is closed");
        }
    }

    private static IllegalArgumentException badSize(long size) {
        return new IllegalArgumentException("size must be between 1 and " + MAX_LARGE_SIZE + " bytes, not " + size);
    }

    // ------------------------------------------------------------ maintenance

    /**
     * Returns idle memory to the OS: drains every per-CPU region, the CAS caches, the
     * calling thread's magazine and dead threads' magazines into the spans, then releases
     * every free page. Live threads keep their magazines.
     *
     * @return bytes given back to the OS by this call
     */
    public long releaseMemory() {
        synchronized (maintenanceLock) {
            checkOpen();
            drainCaches(true);
            return heap.release(Long.MAX_VALUE);
        }
    }

    /** Drains caches into the central tier; with {@code all}, every region, else idle ones (maintenance). */
    void drainCaches(boolean all) {
        RseqSlab.Sink sink = (c, ptrs, n) -> central.insert(c, ptrs, 0, n);
        magazines.reclaimDead(this::flushMagazine);
        if (all) {
            Thread t = Thread.currentThread();
            if (useMagazines && !t.isVirtual()) {
                Magazine m = magazines.owned(t);
                if (m != null) {
                    flushMagazine(m);
                }
            }
            if (slab != null) {
                for (int r = 0; r < slab.regions(); r++) {
                    slab.drainRegion(r, sink);
                }
            }
            cas.drain(sink);
        }
        central.flushTransferCaches();
    }

    /**
     * One maintenance pass: flushes dead threads' magazines, and drains per-CPU regions
     * whose headers did not change since the previous pass (idle cpus), so their blocks
     * can return to spans and, by the page heap's policy, to the OS.
     */
    void maintain(long[] lastFingerprints) {
        synchronized (maintenanceLock) {
            if (closing) {
                return;
            }
            maintainLocked(lastFingerprints);
        }
    }

    private void maintainLocked(long[] lastFingerprints) {
        magazines.reclaimDead(this::flushMagazine);
        if (slab == null) {
            central.releaseEmptySpans();
            return;
        }
        boolean drained = false;
        for (int r = 0; r < slab.regions(); r++) {
            long fp = slab.fingerprint(r);
            if (fp == lastFingerprints[r] && regionHolds(r)) {
                slab.drainRegion(r, (c, ptrs, n) -> central.insert(c, ptrs, 0, n));
                drained = true;
                fp = slab.fingerprint(r);
            }
            lastFingerprints[r] = fp;
        }
        if (drained) {
            central.flushTransferCaches();
        } else {
            central.releaseEmptySpans();
        }
    }

    private boolean regionHolds(int r) {
        for (int c = 1; c < sizes.count(); c++) {
            if (slab.cached(r, c) > 0) {
                return true;
            }
        }
        return false;
    }

    int regions() {
        return slab == null ? 0 : slab.regions();
    }

    /** Statistics snapshot; see {@link AllocatorStats}. */
    public AllocatorStats stats() {
        long magazineBytes = 0;
        long magazineMisses = 0;
        Map<String, Integer> byMode = new TreeMap<>();
        var mags = magazines.snapshot();
        for (Magazine m : mags) {
            for (int c = 1; c < sizes.count(); c++) {
                magazineBytes += (long) m.held(c) * sizes.size(c);
            }
            magazineMisses += m.refills + m.drains;
            byMode.merge(m.mode.label(), 1, Integer::sum);
        }
        long perCpu = 0;
        Map<Integer, Long> byRegion = new TreeMap<>();
        if (slab != null) {
            for (int r = 0; r < slab.regions(); r++) {
                long b = 0;
                for (int c = 1; c < sizes.count(); c++) {
                    b += (long) slab.cached(r, c) * sizes.size(c);
                }
                if (b > 0) {
                    byRegion.put(r, b);
                }
                perCpu += b;
            }
        }
        long casBytes = 0;
        long transferBytes = 0;
        long outBytes = 0;
        long outObjects = 0;
        long centralFree = 0;
        long cachedObjects = 0;
        for (int c = 1; c < sizes.count(); c++) {
            casBytes += cas.cached(c) * sizes.size(c);
            transferBytes += central.transferCached(c) * sizes.size(c);
            long out = central.objectsOut(c);
            outObjects += out;
            outBytes += out * sizes.size(c);
            centralFree += central.objectsFreeInSpans(c) * sizes.size(c);
            cachedObjects += cas.cached(c) + central.transferCached(c);
            for (Magazine m : mags) {
                cachedObjects += m.held(c);
            }
            if (slab != null) {
                for (int r = 0; r < slab.regions(); r++) {
                    cachedObjects += slab.cached(r, c);
                }
            }
        }
        long large = largeBytes.sum();
        long inUse = outBytes - (magazineBytes + perCpu + casBytes + transferBytes) + large;
        PageHeap.Stats hs = heap.stats();
        return new AllocatorStats(inUse, outObjects - cachedObjects, large, magazineBytes, perCpu, byRegion,
                casBytes, transferBytes, centralFree, hs.mappedBytes(), hs.freeBytes(), hs.returnedBytes(),
                hs.releasedTotal(), mags.size(), magazines.capacity(), magazineMisses, perCpuMisses.sum(),
                casOperations.sum(), RseqNative.aborts(), byMode, RseqNative.USE_MM_CID ? "mm_cid" : "cpu_id");
    }

    /** Page heap counters (for accounting checks). */
    public PageHeap.Stats heapStats() {
        return heap.stats();
    }

    public FastPath fastPath() {
        return fastPath;
    }

    public boolean isChecked() {
        return checked;
    }

    /** True when this allocator uses the rseq slabs (false when CAS was forced). */
    public boolean usesRseq() {
        return useRseq;
    }

    public boolean isClosed() {
        return closing;
    }

    /**
     * Returns all of this allocator's memory to the OS. Every block it handed out becomes
     * invalid; later calls throw {@link IllegalStateException}. The global allocator
     * cannot be closed.
     */
    @Override
    public void close() {
        if (isGlobal) {
            throw new UnsupportedOperationException("the global allocator cannot be closed");
        }
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            closed = true;
        }
        if (maintenance != null) {
            maintenance.stop();
        }
        synchronized (maintenanceLock) {
            // A pass that began before `closing` was set has finished; later ones return at once.
            if (slab != null) {
                slab.retire();
            }
            heap.close();
        }
    }

    /** Open a confined arena whose segments come from this allocator. */
    public PerCpuArena newConfinedArena() {
        checkOpen();
        return new PerCpuArena(this, false);
    }

    /** Open a shared arena (any thread may allocate and access) whose segments come from this allocator. */
    public PerCpuArena newSharedArena() {
        checkOpen();
        return new PerCpuArena(this, true);
    }

    /** Configuration of an allocator instance. */
    public static final class Builder {
        private FastPath fastPath = FastPath.MAGAZINE;
        private boolean forceCas;
        private boolean checked;
        private long perCpuCacheBytes = 4L << 20;
        private int maxMagazines = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
        private long growBytes = 64L << 20;
        private long releaseThresholdBytes = 64L << 20;
        private PageHeap.HugePages hugePages = PageHeap.HugePages.SYSTEM_DEFAULT;
        private Duration maintenanceInterval = Duration.ofSeconds(1);

        private Builder() {
        }

        /** How platform threads reach the per-CPU tier (default {@link FastPath#MAGAZINE}). */
        public Builder fastPath(FastPath path) {
            this.fastPath = java.util.Objects.requireNonNull(path);
            return this;
        }

        /** Use the CAS caches instead of rseq on every thread of this instance. */
        public Builder forceCas(boolean force) {
            this.forceCas = force;
            return this;
        }

        /** Checked mode: per-object validation on every allocate and free (see class doc). */
        public Builder checked(boolean on) {
            this.checked = on;
            return this;
        }

        /** Per-CPU byte budget: the sum over classes of capacity x size one region may reach. */
        public Builder perCpuCacheBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("perCpuCacheBytes must be positive");
            }
            this.perCpuCacheBytes = bytes;
            return this;
        }

        /** Most platform threads that get a magazine at once (others use the per-CPU tier directly). */
        public Builder maxMagazines(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("maxMagazines must be >= 0");
            }
            this.maxMagazines = count;
            return this;
        }

        /** Bytes mapped from the OS at a time (default 64 MiB; address space, not memory). */
        public Builder growBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("growBytes must be positive");
            }
            this.growBytes = bytes;
            return this;
        }

        /** Free page-heap bytes kept before the excess is returned to the OS (default 64 MiB). */
        public Builder releaseThresholdBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("releaseThresholdBytes must be >= 0");
            }
            this.releaseThresholdBytes = bytes;
            return this;
        }

        /** Transparent huge page advice for the heap's regions. */
        public Builder hugePages(PageHeap.HugePages advice) {
            this.hugePages = java.util.Objects.requireNonNull(advice);
            return this;
        }

        /** Background maintenance period (idle per-CPU drain, dead magazines); null disables it. */
        public Builder maintenanceInterval(Duration interval) {
            this.maintenanceInterval = interval;
            return this;
        }

        /**
         * Reads {@code rseqalloc.checked}, {@code rseqalloc.fastPath}
         * ({@code MAGAZINE|PER_CPU_DIRECT}) and {@code rseqalloc.perCpuCacheBytes}.
         */
        public Builder fromSystemProperties() {
            if (Boolean.getBoolean("rseqalloc.checked")) {
                checked = true;
            }
            String path = System.getProperty("rseqalloc.fastPath");
            if (path != null) {
                fastPath = FastPath.valueOf(path.trim().toUpperCase(java.util.Locale.ROOT));
            }
            Long bytes = Long.getLong("rseqalloc.perCpuCacheBytes");
            if (bytes != null) {
                perCpuCacheBytes(bytes);
            }
            return this;
        }

        public PerCpuAllocator build() {
            return new PerCpuAllocator(this, false);
        }

        PerCpuAllocator buildGlobal() {
            return new PerCpuAllocator(this, true);
        }
    }

    private static final class GlobalHolder {
        static final PerCpuAllocator INSTANCE = new Builder().fromSystemProperties().buildGlobal();
    }
}
