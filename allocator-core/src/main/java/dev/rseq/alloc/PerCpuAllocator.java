package dev.rseq.alloc;

import dev.rseq.alloc.central.CentralTier;
import dev.rseq.alloc.check.BlockChecks;
import dev.rseq.alloc.check.OwnershipBits;
import dev.rseq.alloc.frontend.CarrierThreads;
import dev.rseq.alloc.frontend.ThreadCacheTable;
import dev.rseq.alloc.frontend.ThreadCacheTier;
import dev.rseq.alloc.os.JdkMemory;
import dev.rseq.alloc.os.OsMemory;
import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.pageheap.Span;
import dev.rseq.alloc.percpu.PerCpuTiers;
import dev.rseq.alloc.rseq.RseqNative;
import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stats.TierStats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A per-CPU off-heap allocator in the style of tcmalloc: the facade. It validates, picks
 * the path by size and mode, and leaves every policy to the tiers.
 *
 * <pre>
 *   allocate/free ──▶ size class (table lookup) ──▶ checks (every free; see BlockChecks)
 *     ├─ thread cache (one per OS thread: platform thread or carrier)   no downcall, no atomic
 *     ├─ per-CPU tier: rseq slabs │ CAS stripes (threads without rseq)   one downcall per batch
 *     ├─ transfer cache ─▶ central free list (spans, free bitmaps)
 *     └─ page heap over one reservation (large blocks too) ─▶ madvise(MADV_DONTNEED)
 * </pre>
 *
 * <p>Thread safety: every method may be called from any thread, platform or virtual; a
 * block may be freed by a thread other than the one that allocated it (the hand-over must
 * be a happens-before edge, as for any shared data).
 *
 * <p>Safety in default mode (docs/reliability.md lists every misuse and its cost): bad
 * sizes and alignments throw {@link IllegalArgumentException}; every free is validated
 * (address of this heap, live block of the class the size names, start of the block, not
 * already free while the block sits in any cache) and throws before anything changes;
 * {@code free(0)} does nothing. After {@link #close()} every method that allocates, frees or
 * opens an arena throws {@link IllegalStateException} (statistics and settings stay readable,
 * and a second close does nothing), and memory a caller may still reach stays mapped (see close).
 * Checked mode ({@link Builder#checked}) adds an ownership bit per object.
 *
 * <p>Lifetimes: a raw address is the caller's to free, as with malloc. Segments from
 * {@link #allocateSegment} and {@link #asSegmentAllocator()} belong to this allocator's
 * scope: free them with {@link #free(MemorySegment)}; after close any access to them
 * throws. Segments of an arena ({@link #newConfinedArena()}) are freed by the arena's
 * close and checked by its scope, as with the JDK's arenas.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public final class PerCpuAllocator implements AutoCloseable {
    /** Largest block: 1 TiB. */
    public static final long MAX_SIZE = 1L << 40;
    /** Sizes up to this are served from size classes; larger ones are large blocks. */
    public static final long MAX_SMALL_SIZE = SizeClasses.MAX_SMALL_SIZE;
    /** {@code (size - 1) >>> SMALL_SHIFT == 0} exactly for sizes in {@code [1, MAX_SMALL_SIZE]}. */
    private static final int SMALL_SHIFT = Long.numberOfTrailingZeros(SizeClasses.MAX_SMALL_SIZE);
    /** Marks a free without a size in the large-block path. */
    private static final long UNSIZED = Long.MIN_VALUE;

    private static final int MODE_DIRECT = 1;
    private static final int MODE_CHECKED = 2;

    private final AllocatorSettings settings;
    private final boolean isGlobal;
    private final SizeClasses sizes;
    private final PageHeap heap;
    private final CentralTier central;
    private final PerCpuTiers perCpu;
    private final ThreadCacheTier front;
    /**
     * {@code front.table()}; in checked and direct mode a table that always misses, so the hit
     * path never tests the mode (the miss paths do).
     */
    private final ThreadCacheTable hits;
    /**
     * A copy of {@code hits.hot()}, so that a hit reaches the hot array in one load from here
     * instead of two (the pair measured 1.5-3 ns faster, six alternating JMH runs). Safe however
     * stale (see {@link ThreadCacheTable#hot()}); every miss refreshes it, writing only when the
     * table has grown since, so this shared object is written a handful of times in its life,
     * not per operation. A plain field: any thread's copy is as good as any other's.
     */
    private long[][] hot;

    private final BlockChecks checks;
    private final OwnershipBits ownership;
    /** 0 on the default path (thread caches, unchecked); else MODE_* bits. */
    private final int mode;

    private final Arena lifetime;
    private final MemorySegment memory;
    private final Maintenance maintenance;
    private final OpenArenas arenas = new OpenArenas();
    private final LongAdder largeBytes = new LongAdder();
    private final LongAdder largeBlocks = new LongAdder();
    private volatile boolean closed;
    private volatile boolean keptMapped;
    private javax.management.ObjectName mbeanName;

    private PerCpuAllocator(AllocatorSettings s, boolean isGlobal) {
        this.settings = s;
        this.isGlobal = isGlobal;
        this.sizes = new SizeClasses();
        int advice = switch (s.hugePages()) {
            case ALWAYS -> OsMemory.MADV_HUGEPAGE;
            case NEVER -> OsMemory.MADV_NOHUGEPAGE;
            case SYSTEM_DEFAULT -> 0;
        };
        boolean fromOs = resolve(s.memory()) == MemorySource.OS;
        this.heap = new PageHeap(new PageHeap.Config(
                fromOs ? s.heapReserveBytes() : s.jdkMemoryBytes(),
                s.growBytes(),
                advice,
                s.releaseThresholdBytes(),
                s.dedicatedMappingBytes(),
                fromOs ? OsMemory.INSTANCE : new JdkMemory()));
        this.central = new CentralTier(sizes, heap, s.checked());
        this.perCpu = new PerCpuTiers(sizes, central, !s.forceCas() && !RseqNative.FORCE_CAS, s.perCpuCacheBytes());
        this.front = s.fastPath() == FastPath.THREAD_CACHE
                ? new ThreadCacheTier(sizes, perCpu, central, s.threadCacheBytes(), s.threadCacheBytesPerThread())
                : null;
        this.hits = front == null || s.checked() ? ThreadCacheTable.alwaysMissing() : front.table();
        this.hot = hits.hot();
        this.lifetime = Arena.ofShared();
        this.memory = MemorySegment.ofAddress(heap.base()).reinterpret(heap.reservedBytes(), lifetime, null);
        this.checks = new BlockChecks(heap, sizes, memory);
        this.ownership = s.checked() ? new OwnershipBits(heap) : null;
        this.mode = (front == null ? MODE_DIRECT : 0) | (s.checked() ? MODE_CHECKED : 0);
        this.maintenance = new Maintenance(front, perCpu, central, heap);
        if (s.maintenanceInterval() != null && s.maintenanceInterval().isPositive()) {
            maintenance.schedule(this, s.maintenanceInterval());
        }
    }

    /** AUTO: mmap where it works, else the JDK. */
    private static MemorySource resolve(MemorySource requested) {
        if (requested != MemorySource.AUTO) {
            return requested;
        }
        return OsMemory.usable() ? MemorySource.OS : MemorySource.JDK;
    }

    /**
     * Where this allocator's heap memory comes from ({@link MemorySource#OS} or {@link MemorySource#JDK}).
     *
     * @return the source in use, never {@link MemorySource#AUTO}
     */
    public MemorySource memorySource() {
        return heap.memoryName().equals("os") ? MemorySource.OS : MemorySource.JDK;
    }

    /**
     * The process-wide allocator, configured by the {@code rseqalloc.*} system properties
     * and {@code RSEQALLOC_*} variables ({@link AllocatorSettings#fromEnvironment}). An
     * invalid value never breaks it: the default is used and the problem is in {@link
     * #settings()}{@code .problems()} and on standard error.
     *
     * @return the one process-wide instance, made on first use; it cannot be closed
     */
    public static PerCpuAllocator global() {
        return GlobalHolder.INSTANCE;
    }

    /**
     * A builder starting from this process's {@code rseqalloc.*} settings (the documented
     * defaults where none is set; an invalid one falls back to its default, see {@link
     * Builder#fromSystemProperties()} for a strict read), so settings given to the process
     * reach every instance unless code overrides them.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ allocate

    /**
     * A block of at least {@code size} bytes, aligned to 16 bytes (8 for sizes up to 8).
     * Its contents are unspecified; {@link #allocateZeroed} zeroes them.
     *
     * @param size bytes wanted, from 1 to {@link #MAX_SIZE}
     * @return the block's address
     * @throws IllegalArgumentException when {@code size <= 0} or above {@link #MAX_SIZE}
     * @throws IllegalStateException    when the allocator is closed
     * @throws OutOfMemoryError         when the OS refuses memory (the allocator stays consistent)
     */
    public long allocate(long size) {
        if ((size - 1) >>> SMALL_SHIFT != 0) {
            return allocateLarge(size, PageHeap.PAGE_SIZE).start();
        }
        int c = SizeClasses.classOf(size);
        long p = ThreadCacheTable.pop(hot, c);
        if (p == 0) {
            return allocateMissed(c);
        }
        checks.onAllocate(p);
        return p;
    }

    /** The allocation after the hit path missed: the thread cache's slow path, or the mode's path. */
    private long allocateMissed(int c) {
        refreshHot();
        long p;
        if (mode == 0) {
            p = front.allocateSlow(c);
        } else {
            p = (mode & MODE_DIRECT) != 0 ? directPop(c) : front.allocate(c);
        }
        checks.onAllocate(p);
        if ((mode & MODE_CHECKED) != 0) {
            ownership.checkOut(p, c);
        }
        return p;
    }

    /** Takes the table's current hot array after a miss (the table may have grown); writes only on a change. */
    private void refreshHot() {
        long[][] h = hits.hot();
        if (h != hot) {
            hot = h;
        }
    }

    private long directPop(int c) {
        checkOpen();
        return perCpu.direct().pop(c);
    }

    /**
     * Like {@link #allocate}, with the first {@code size} bytes zeroed (calloc).
     *
     * @param size bytes wanted, from 1 to {@link #MAX_SIZE}
     * @return the block's address
     * @throws IllegalArgumentException when {@code size <= 0} or above {@link #MAX_SIZE}
     * @throws IllegalStateException    when the allocator is closed
     */
    public long allocateZeroed(long size) {
        if ((size - 1) >>> SMALL_SHIFT != 0) {
            Span s = allocateLarge(size, PageHeap.PAGE_SIZE);
            if (!s.zeroed()) {
                zero(s.start(), size);
            }
            return s.start();
        }
        long p = allocate(size);
        checks.zero(p, size);
        return p;
    }

    /** An arena's block: aligned as asked, zeroed when asked. */
    long allocateForArena(long size, long alignment, boolean zeroed) {
        if (alignment <= 8 || (alignment <= 16 && size > 8)) {
            return zeroed ? allocateZeroed(size) : allocate(size);
        }
        long p = allocateAligned(size, alignment);
        if (zeroed) {
            zero(p, size);
        }
        return p;
    }

    /**
     * A block of at least {@code size} bytes at a multiple of {@code alignment} (a power of
     * two). Free it with {@link #free(long)}, or with {@link #free(long, long)} and its
     * {@link #usableSize}.
     *
     * @param size      bytes wanted, from 1 to {@link #MAX_SIZE}
     * @param alignment the alignment in bytes, a power of two
     * @return the block's address, a multiple of {@code alignment}
     * @throws IllegalArgumentException when {@code alignment} is not a positive power of two, or
     *                                  {@code size <= 0} or above {@link #MAX_SIZE}
     * @throws IllegalStateException    when the allocator is closed
     */
    public long allocateAligned(long size, long alignment) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, not " + alignment);
        }
        if (size <= 0 || size > MAX_SIZE) {
            throw badSize(size);
        }
        if ((alignment <= 16 && size > 8) || alignment <= 8) {
            return allocate(size);
        }
        if (alignment <= PageHeap.PAGE_SIZE && size <= MAX_SMALL_SIZE) {
            // Objects sit at multiples of their size from a page-aligned span start.
            for (int c = SizeClasses.classOf(size); c < sizes.count(); c++) {
                if (sizes.size(c) % alignment == 0) {
                    return allocate(sizes.size(c));
                }
            }
        }
        // Large even when size is small: more than MAX_SMALL_SIZE bytes, so its usableSize
        // sends a sized free(address, usableSize) to the large path, never to a size class.
        return allocateLarge(Math.max(size, MAX_SMALL_SIZE + 1), alignment).start();
    }

    /**
     * Resizes a block like C's {@code realloc} and {@code Unsafe.reallocateMemory}: the
     * contents up to the smaller size are kept; the block stays where it is when its class
     * (or a large block's pages) still fits. {@code reallocate(0, n)} allocates;
     * {@code reallocate(p, 0)} frees and returns 0.
     *
     * @param address a live block of this allocator, or 0 to allocate
     * @param newSize bytes wanted, from 1 to {@link #MAX_SIZE}, or 0 to free
     * @return the block's address (the same one when it still fits, else a new one), or 0 when
     *         {@code newSize} is 0
     * @throws IllegalArgumentException when {@code address} is not a live block of this allocator
     * @throws IllegalArgumentException when {@code newSize} is negative or above {@link #MAX_SIZE}
     * @throws IllegalStateException    when the allocator is closed
     */
    public long reallocate(long address, long newSize) {
        if (address == 0) {
            return newSize == 0 ? 0 : allocate(newSize);
        }
        if (newSize == 0) {
            free(address);
            return 0;
        }
        if (newSize < 0 || newSize > MAX_SIZE) {
            throw badSize(newSize);
        }
        long old = usableSize(address);
        boolean fits = old <= MAX_SMALL_SIZE
                ? newSize <= MAX_SMALL_SIZE && sizes.size(SizeClasses.classOf(newSize)) == old
                : newSize > MAX_SMALL_SIZE && newSize <= old && newSize > old / 2;
        if (fits) {
            return address;
        }
        long q = allocate(newSize);
        copy(address, q, Math.min(old, newSize));
        free(address);
        return q;
    }

    /**
     * Fills {@code out[off .. off + count)} with blocks of {@code size} bytes; on failure the
     * blocks already taken are freed before the exception propagates.
     *
     * @param size  bytes per block, from 1 to {@link #MAX_SIZE}
     * @param out   receives the blocks' addresses
     * @param off   index in {@code out} of the first block
     * @param count blocks to allocate
     * @throws IndexOutOfBoundsException when {@code [off, off + count)} is not inside {@code out}
     * @throws IllegalArgumentException  when {@code size <= 0} or above {@link #MAX_SIZE}
     * @throws IllegalStateException     when the allocator is closed
     */
    public void allocateBulk(long size, long[] out, int off, int count) {
        Objects.checkFromIndexSize(off, count, out.length);
        int done = 0;
        try {
            for (; done < count; done++) {
                out[off + done] = allocate(size);
            }
        } catch (RuntimeException | Error e) {
            for (int i = 0; i < done; i++) {
                free(out[off + i], size);
            }
            throw e;
        }
    }

    /**
     * Frees {@code count} blocks of {@code size} bytes from {@code in[off ..]}.
     *
     * @param in    the blocks' addresses
     * @param off   index in {@code in} of the first block
     * @param count blocks to free
     * @param size  bytes per block, as for {@link #free(long, long)}
     * @throws IndexOutOfBoundsException when {@code [off, off + count)} is not inside {@code in}
     * @throws IllegalArgumentException  as {@link #free(long, long)}; the blocks before the bad one are freed
     * @throws IllegalStateException     as {@link #free(long, long)}
     */
    public void freeBulk(long[] in, int off, int count, long size) {
        Objects.checkFromIndexSize(off, count, in.length);
        for (int i = off; i < off + count; i++) {
            free(in[i], size);
        }
    }

    /**
     * A segment of {@code size} bytes (contents unspecified) in this allocator's scope:
     * accessible from any thread until it is freed ({@link #free(MemorySegment)}) or the
     * allocator closes, after which any access throws {@link IllegalStateException}.
     *
     * @param size bytes, from 1 to {@link #MAX_SIZE}; the segment's size
     * @return the segment, at the block's address
     * @throws IllegalArgumentException when {@code size <= 0} or above {@link #MAX_SIZE}
     * @throws IllegalStateException    when the allocator is closed
     */
    public MemorySegment allocateSegment(long size) {
        return segmentOf(allocate(size), size);
    }

    /**
     * This allocator as a {@link SegmentAllocator}: {@code allocate(size, alignment)}
     * returns a segment in this allocator's scope (contents unspecified, as malloc's), to be
     * freed with {@link #free(MemorySegment)}. Use an arena ({@link #newConfinedArena()})
     * for segments freed together and zeroed like the JDK's.
     *
     * @return a segment allocator whose segments come from this allocator
     */
    public SegmentAllocator asSegmentAllocator() {
        return (byteSize, byteAlignment) -> {
            if (byteSize < 0) {
                throw new IllegalArgumentException("negative size: " + byteSize);
            }
            long size = Math.max(1, byteSize);
            long p = allocateAligned(size, byteAlignment); // throws for an alignment that is not a power of two
            return segmentOf(p, byteSize);
        };
    }

    /**
     * An Agrona buffer over a new block of {@code capacity} bytes; free it with {@link #freeBuffer}.
     *
     * @param capacity bytes, at least 1
     * @return a buffer of exactly {@code capacity} bytes over the block
     * @throws IllegalArgumentException when {@code capacity <= 0}
     * @throws IllegalStateException    when the allocator is closed
     */
    public UnsafeBuffer allocateBuffer(int capacity) {
        return new UnsafeBuffer(allocate(capacity), capacity);
    }

    // ---------------------------------------------------------------------- free

    /**
     * Frees a block of {@code size} bytes (the size it was allocated with, or any size of
     * the same class). Does nothing for address 0.
     *
     * @param address the block's address, or 0
     * @param size    the size in bytes the block was allocated with, or another of its class
     * @throws IllegalArgumentException when the address is not the start of a live block of
     *                                  this allocator of that size's class, or the size is invalid
     * @throws IllegalStateException    on a double free, or when the allocator is closed
     */
    public void free(long address, long size) {
        if ((size - 1) >>> SMALL_SHIFT != 0) {
            if (address == 0) {
                return; // free(NULL): nothing, whatever the size, as with free(3)
            }
            if (size <= 0 || size > MAX_SIZE) {
                throw badSize(size);
            }
            freeLarge(address, size);
            return;
        }
        if (address == 0) {
            return;
        }
        freeValidated(checks.onFree(address, size), address);
    }

    /** The free of a validated block: the thread cache's hit path, else {@link #freeMissed}. */
    private void freeValidated(int c, long address) {
        if (!ThreadCacheTable.push(hot, c, address)) {
            freeMissed(c, address);
        }
    }

    /** The free after the hit path missed: the thread cache's slow path, or the mode's path. */
    private void freeMissed(int c, long address) {
        refreshHot();
        if (mode == 0) {
            front.freeSlow(c, address);
        } else {
            freeInMode(c, address);
        }
    }

    private void freeInMode(int c, long address) {
        if ((mode & MODE_CHECKED) != 0) {
            ownership.checkIn(address, c);
        }
        if ((mode & MODE_DIRECT) != 0) {
            checkOpen();
            perCpu.direct().push(c, address);
        } else {
            front.free(c, address);
        }
    }

    /**
     * Frees a block, finding its size in the page map. Does nothing for address 0.
     *
     * @param address the block's address, or 0
     * @throws IllegalArgumentException when the address is not the start of a live block of this allocator
     * @throws IllegalStateException    on a double free, or when the allocator is closed
     */
    public void free(long address) {
        if (address == 0) {
            return;
        }
        int c = checks.onFreeUnsized(address);
        if (c == 0) {
            freeLarge(address, UNSIZED);
            return;
        }
        freeValidated(c, address);
    }

    /**
     * Frees the block under a segment from {@link #allocateSegment} or {@link #asSegmentAllocator()}.
     *
     * @param segment the segment; its address is freed as by {@link #free(long)}
     * @throws IllegalArgumentException as {@link #free(long)}
     * @throws IllegalStateException    as {@link #free(long)}
     */
    public void free(MemorySegment segment) {
        free(segment.address());
    }

    /**
     * Frees the block under a buffer from {@link #allocateBuffer}.
     *
     * @param buffer the buffer; its {@code addressOffset()} is freed as by {@link #free(long)}
     * @throws IllegalArgumentException as {@link #free(long)}
     * @throws IllegalStateException    as {@link #free(long)}
     */
    public void freeBuffer(DirectBuffer buffer) {
        free(buffer.addressOffset());
    }

    /**
     * Usable bytes of a live block: its class's size, or a large block's page-rounded size.
     *
     * @param address the block's address
     * @return bytes usable, at least the size it was allocated with
     * @throws IllegalArgumentException when the address is not the start of a live block of this allocator
     * @throws IllegalStateException    when the allocator is closed
     */
    public long usableSize(long address) {
        checkOpen();
        int c = checks.classAt(address);
        if (c != 0 && c != PageHeap.LARGE_TAG) {
            return sizes.size(c);
        }
        Span s = heap.spanOf(address);
        if (s == null || s.state() != Span.State.LARGE || s.start() != address) {
            throw notABlock(address);
        }
        return s.bytes();
    }

    // --------------------------------------------------------------- large blocks

    private Span allocateLarge(long size, long alignment) {
        if (size <= 0 || size > MAX_SIZE) {
            throw badSize(size);
        }
        checkOpen();
        Span s = heap.allocateLarge(size, alignment);
        largeBytes.add(s.bytes());
        largeBlocks.increment();
        return s;
    }

    /** @param size the size given to a sized free (validated), or {@link #UNSIZED} */
    private void freeLarge(long address, long size) {
        if (address == 0) {
            return;
        }
        checkOpen();
        Span s = heap.spanOf(address);
        if (s == null || s.state() != Span.State.LARGE || s.start() != address) {
            if (size != UNSIZED && s != null && s.state() == Span.State.SMALL) {
                throw new IllegalArgumentException("free of 0x" + Long.toHexString(address) + " with size " + size
                        + ", but the address is a " + s.objectSize() + " B block");
            }
            throw notABlock(address);
        }
        long pages = (size + PageHeap.PAGE_SIZE - 1) >>> PageHeap.PAGE_SHIFT;
        if (size != UNSIZED && pages != s.pages()) {
            throw new IllegalArgumentException("free of 0x" + Long.toHexString(address) + " with size " + size
                    + ", but the block is " + s.bytes() + " bytes");
        }
        heap.free(s);
        largeBytes.add(-s.bytes());
        largeBlocks.decrement();
    }

    // ----------------------------------------------------------------- helpers

    private MemorySegment segmentOf(long address, long size) {
        if (checks.inHeap(address)) {
            return memory.asSlice(address - heap.base(), size);
        }
        return MemorySegment.ofAddress(address).reinterpret(size, lifetime, null);
    }

    private void zero(long address, long size) {
        segmentOf(address, size).fill((byte) 0);
    }

    private void copy(long from, long to, long bytes) {
        MemorySegment.copy(segmentOf(from, bytes), 0, segmentOf(to, bytes), 0, bytes);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }

    private static IllegalArgumentException badSize(long size) {
        return new IllegalArgumentException("size must be between 1 and " + MAX_SIZE + " bytes, not " + size);
    }

    private IllegalArgumentException notABlock(long address) {
        checkOpen();
        return new IllegalArgumentException("0x" + Long.toHexString(address) + " is not a live block of this"
                + " allocator (foreign memory, inside a block, or already freed)");
    }

    // ------------------------------------------------------------------ arenas

    /**
     * A confined arena whose segments come from this allocator, zeroed like {@code
     * Arena.ofConfined()}'s; its close frees them all. The allocator cannot close while it
     * is open.
     *
     * @return a new open arena, owned by the calling thread
     * @throws IllegalStateException when the allocator is closed
     */
    public PerCpuArena newConfinedArena() {
        return openArena(false, true);
    }

    /**
     * A shared arena (any thread may allocate and access), zeroed like {@code Arena.ofShared()}'s.
     *
     * @return a new open arena
     * @throws IllegalStateException when the allocator is closed
     */
    public PerCpuArena newSharedArena() {
        return openArena(true, true);
    }

    /**
     * Like {@link #newConfinedArena()}, but segments are not zeroed (their contents are unspecified).
     *
     * @return a new open arena, owned by the calling thread
     * @throws IllegalStateException when the allocator is closed
     */
    public PerCpuArena newUninitializedConfinedArena() {
        return openArena(false, false);
    }

    /**
     * Like {@link #newSharedArena()}, but segments are not zeroed (their contents are unspecified).
     *
     * @return a new open arena
     * @throws IllegalStateException when the allocator is closed
     */
    public PerCpuArena newUninitializedSharedArena() {
        return openArena(true, false);
    }

    private PerCpuArena openArena(boolean shared, boolean zeroed) {
        synchronized (arenas) {
            checkOpen();
            PerCpuArena a = new PerCpuArena(this, shared, zeroed, arenas);
            arenas.opened(a);
            return a;
        }
    }

    // ------------------------------------------------------------- maintenance

    /**
     * Returns idle memory to the OS: flushes dead threads' caches and the calling thread's,
     * drains every per-CPU region, the CAS stripes and the transfer caches into the spans,
     * then releases every free page. Live threads keep their caches.
     *
     * @return bytes given back to the OS by this call
     * @throws IllegalStateException when the allocator is closed
     */
    public long releaseMemory() {
        checkOpen();
        return maintenance.releaseAll();
    }

    /**
     * Registers this allocator's {@link AllocatorMXBean} with the platform MBean server as
     * {@code dev.rseq.alloc:type=PerCpuAllocator,name=<name>}; close() unregisters it.
     *
     * @param name the value of the {@code name} key (quoted in the object name)
     * @return the name it was registered under
     * @throws IllegalStateException when an MBean of that name exists already, or the allocator is closed
     */
    public synchronized javax.management.ObjectName registerMBean(String name) {
        checkOpen();
        try {
            javax.management.ObjectName on = new javax.management.ObjectName(
                    "dev.rseq.alloc:type=PerCpuAllocator,name=" + javax.management.ObjectName.quote(name));
            java.lang.management.ManagementFactory.getPlatformMBeanServer().registerMBean(new AllocatorMBean(this), on);
            mbeanName = on;
            return on;
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("cannot register the allocator's MBean as " + name + ": " + e, e);
        }
    }

    /**
     * {@link #registerMBean(String)} with a name unique to this instance ("global" for {@link #global()}).
     *
     * @return the name it was registered under
     * @throws IllegalStateException when it is registered already, or the allocator is closed
     */
    public javax.management.ObjectName registerMBean() {
        return registerMBean(isGlobal ? "global" : "instance-" + System.identityHashCode(this));
    }

    private synchronized void unregisterMBean() {
        if (mbeanName != null) {
            try {
                java.lang.management.ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbeanName);
            } catch (javax.management.JMException e) {
                // Already gone: nothing to undo.
            }
            mbeanName = null;
        }
    }

    /**
     * Statistics snapshot; see {@link AllocatorStats}.
     *
     * @return a new snapshot, taken from every tier now
     */
    public AllocatorStats stats() {
        TierStats t = new TierStats(sizes.count());
        if (front != null) {
            front.collect(t);
        }
        perCpu.collect(t);
        central.collect(t);
        return StatsAssembly.assemble(
                t,
                sizes,
                heap.stats(),
                largeBytes.sum(),
                largeBlocks.sum(),
                perCpu.usesRseq() ? (RseqNative.USE_MM_CID ? "mm_cid" : "cpu_id") : "none",
                front == null ? "none" : CarrierThreads.METHOD,
                RseqNative.aborts());
    }

    /** {@return the settings this allocator was made with} */
    public AllocatorSettings settings() {
        return settings;
    }

    /** {@return how threads reach the per-CPU tier} */
    public FastPath fastPath() {
        return settings.fastPath();
    }

    /** {@return true in checked mode (an ownership bit per object, see {@link Builder#checked})} */
    public boolean isChecked() {
        return settings.checked();
    }

    /**
     * True when this allocator uses the rseq slabs (false when CAS was forced or rseq is unavailable).
     *
     * @return true for the rseq slabs, false for the CAS stripes
     */
    public boolean usesRseq() {
        return perCpu.usesRseq();
    }

    /** {@return true once {@link #close()} has been called and not refused} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the allocator. Refused with {@link IllegalStateException} while any of its
     * arenas is open (their segments must stay valid), leaving the allocator usable.
     *
     * <p>Otherwise every later call throws {@link IllegalStateException}, and any access
     * through a segment of this allocator's scope throws too, including one racing with the
     * close. The memory goes back to the OS. The address space is unmapped when every block
     * came back (nothing with users, nothing cached by other live threads); otherwise it
     * stays mapped (holding no memory) so that a raw address someone still holds reads and
     * writes harmlessly instead of crashing the JVM. The global allocator cannot be closed.
     */
    @Override
    public void close() {
        if (isGlobal) {
            throw new UnsupportedOperationException("the global allocator cannot be closed");
        }
        synchronized (arenas) {
            if (closed) {
                return;
            }
            arenas.refuseCloseIfAnyOpen();
            closed = true;
        }
        checks.close();
        // Before anything is drained: from here a free on any thread fails its page check and
        // throws, so a thread whose own cache could serve it for ever stops at its next free.
        heap.clearTags();
        unregisterMBean();
        if (front != null) {
            front.close();
        }
        maintenance.stop();
        synchronized (maintenance.lock) {
            RuntimeException problem = null;
            try {
                maintenance.drainAll();
            } catch (RuntimeException e) {
                problem = e;
            }
            perCpu.retire();
            boolean scopeClosed = closeLifetime();
            boolean everythingBack = central.objectsOut() == 0 && largeBlocks.sum() == 0;
            if (scopeClosed && everythingBack) {
                heap.close();
            } else {
                keptMapped = true;
                heap.retire();
            }
            if (problem != null) {
                System.getLogger("dev.rseq.alloc")
                        .log(System.Logger.Level.WARNING, "rseqalloc close: a cached block was invalid", problem);
            }
        }
    }

    /**
     * Closes the scope of this allocator's segments. A shared arena refuses to close while
     * a downcall holds one of its segments; such holds are brief, so it is retried for a
     * while. False when it stayed open (then the memory stays mapped).
     */
    private boolean closeLifetime() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                lifetime.close();
                return true;
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.onSpinWait();
            }
        }
    }

    /**
     * True when close() kept the address space mapped because blocks were still out.
     *
     * @return true when the heap stayed mapped after close; false before close
     */
    public boolean keptMappedAfterClose() {
        return keptMapped;
    }

    /**
     * Configuration of an allocator instance. It starts from the process's settings; every
     * setting's documented default is in {@link AllocatorSettings#defaults()}.
     */
    public static final class Builder {
        private FastPath fastPath;
        private boolean forceCas;
        private boolean checked;
        private long perCpuCacheBytes;
        private long threadCacheBytes;
        private long threadCacheBytesPerThread;
        private long heapReserveBytes;
        private long growBytes;
        private long releaseThresholdBytes;
        private long dedicatedMappingBytes;
        private MemorySource memory;
        private long jdkMemoryBytes;
        private HugePages hugePages;
        private Duration maintenanceInterval;

        private Builder() {
            from(AllocatorSettings.fromEnvironment(true));
        }

        private Builder from(AllocatorSettings s) {
            fastPath = s.fastPath();
            forceCas = s.forceCas();
            checked = s.checked();
            perCpuCacheBytes = s.perCpuCacheBytes();
            threadCacheBytes = s.threadCacheBytes();
            threadCacheBytesPerThread = s.threadCacheBytesPerThread();
            heapReserveBytes = s.heapReserveBytes();
            growBytes = s.growBytes();
            releaseThresholdBytes = s.releaseThresholdBytes();
            dedicatedMappingBytes = s.dedicatedMappingBytes();
            memory = s.memory();
            jdkMemoryBytes = s.jdkMemoryBytes();
            hugePages = s.hugePages();
            maintenanceInterval = s.maintenanceInterval();
            return this;
        }

        /**
         * Reads the {@code rseqalloc.*} system properties and {@code RSEQALLOC_*} variables
         * again, strictly (the builder already starts from them, leniently); later builder
         * calls override them.
         *
         * @return this builder
         * @throws dev.rseq.alloc.config.InvalidSettingException naming an invalid setting and its allowed values
         */
        public Builder fromSystemProperties() {
            return from(AllocatorSettings.fromEnvironment(false));
        }

        /**
         * How threads reach the per-CPU tier (default {@link FastPath#THREAD_CACHE}).
         *
         * @param path the fast path
         * @return this builder
         * @throws NullPointerException when {@code path} is null
         */
        public Builder fastPath(FastPath path) {
            this.fastPath = Objects.requireNonNull(path);
            return this;
        }

        /**
         * Use the CAS caches instead of rseq on every thread of this instance.
         *
         * @param force true for CAS caches on every thread
         * @return this builder
         */
        public Builder forceCas(boolean force) {
            this.forceCas = force;
            return this;
        }

        /**
         * Checked mode: an ownership bit per object on every allocate and free (see the class doc).
         *
         * @param on true for checked mode
         * @return this builder
         */
        public Builder checked(boolean on) {
            this.checked = on;
            return this;
        }

        /**
         * Per-CPU byte budget: the sum over classes of capacity x size one rseq region may reach.
         *
         * @param bytes the budget in bytes
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes <= 0}
         */
        public Builder perCpuCacheBytes(long bytes) {
            this.perCpuCacheBytes = positive("perCpuCacheBytes", bytes);
            return this;
        }

        /**
         * Capacity all thread caches together may hold (default 8 MiB per cpu, at least 32 MiB).
         *
         * @param bytes the capacity in bytes
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes <= 0}
         */
        public Builder threadCacheBytes(long bytes) {
            this.threadCacheBytes = positive("threadCacheBytes", bytes);
            return this;
        }

        /**
         * Capacity one thread cache may hold (default 8 MiB).
         *
         * @param bytes the capacity in bytes
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes <= 0}
         */
        public Builder threadCacheBytesPerThread(long bytes) {
            this.threadCacheBytesPerThread = positive("threadCacheBytesPerThread", bytes);
            return this;
        }

        /**
         * Address space reserved for the heap (default 64 GiB; no memory until used).
         *
         * @param bytes the reservation in bytes
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes <= 0}
         */
        public Builder heapReserveBytes(long bytes) {
            this.heapReserveBytes = positive("heapReserveBytes", bytes);
            return this;
        }

        /**
         * Bytes of the reservation made usable at a time (default 64 MiB).
         *
         * @param bytes the step in bytes
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes <= 0}
         */
        public Builder growBytes(long bytes) {
            this.growBytes = positive("growBytes", bytes);
            return this;
        }

        /**
         * Free page-heap bytes kept before the excess is returned to the OS (default 64 MiB).
         *
         * @param bytes the threshold in bytes; 0 keeps none
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes < 0}
         */
        public Builder releaseThresholdBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("releaseThresholdBytes must be >= 0, not " + bytes);
            }
            this.releaseThresholdBytes = bytes;
            return this;
        }

        /**
         * Blocks of at least this size get a mapping of their own, made and unmapped outside any lock (default 64 MiB).
         *
         * @param bytes the threshold in bytes
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes <= 0}
         */
        public Builder dedicatedMappingBytes(long bytes) {
            this.dedicatedMappingBytes = positive("dedicatedMappingBytes", bytes);
            return this;
        }

        /**
         * Where the heap's memory comes from (default {@link MemorySource#AUTO}).
         *
         * @param source the memory source
         * @return this builder
         * @throws NullPointerException when {@code source} is null
         */
        public Builder memory(MemorySource source) {
            this.memory = Objects.requireNonNull(source);
            return this;
        }

        /**
         * Size of the heap when its memory comes from the JDK (default 256 MiB, committed at once).
         *
         * @param bytes the size in bytes
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes <= 0}
         */
        public Builder jdkMemoryBytes(long bytes) {
            this.jdkMemoryBytes = positive("jdkMemoryBytes", bytes);
            return this;
        }

        /**
         * Transparent huge page advice for the heap.
         *
         * @param advice the advice
         * @return this builder
         * @throws NullPointerException when {@code advice} is null
         */
        public Builder hugePages(HugePages advice) {
            this.hugePages = Objects.requireNonNull(advice);
            return this;
        }

        /**
         * Background maintenance period (dead thread caches, idle per-CPU drain); null, zero or negative disables it.
         *
         * @param interval the period, or null for none
         * @return this builder
         */
        public Builder maintenanceInterval(Duration interval) {
            this.maintenanceInterval = interval;
            return this;
        }

        /**
         * The settings this builder holds now.
         *
         * @return a new value with those settings and no problems listed
         */
        public AllocatorSettings settings() {
            return new AllocatorSettings(
                    fastPath,
                    forceCas,
                    checked,
                    perCpuCacheBytes,
                    threadCacheBytes,
                    threadCacheBytesPerThread,
                    heapReserveBytes,
                    growBytes,
                    releaseThresholdBytes,
                    dedicatedMappingBytes,
                    memory,
                    jdkMemoryBytes,
                    hugePages,
                    maintenanceInterval,
                    java.util.List.of());
        }

        /** {@return a new allocator with the settings this builder holds} */
        public PerCpuAllocator build() {
            return new PerCpuAllocator(settings(), false);
        }

        private static long positive(String name, long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException(name + " must be positive, not " + bytes);
            }
            return bytes;
        }
    }

    private static final class GlobalHolder {
        static final PerCpuAllocator INSTANCE = create();

        private static PerCpuAllocator create() {
            AllocatorSettings s = AllocatorSettings.fromEnvironment(true);
            for (String problem : s.problems()) {
                System.err.println("rseqalloc: " + problem);
            }
            PerCpuAllocator global = new PerCpuAllocator(s, true);
            if (dev.rseq.alloc.config.Settings.lenientFromEnvironment().bool(dev.rseq.alloc.config.Setting.JMX)) {
                global.registerMBean();
            }
            return global;
        }
    }
}
