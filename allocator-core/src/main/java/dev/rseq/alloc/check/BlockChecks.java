package dev.rseq.alloc.check;

import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.sizeclass.SizeClasses;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.SecureRandom;

/**
 * The checks every small-block free makes in default mode, and the one store every
 * allocation makes, each a few instructions:
 * <ol>
 *   <li>the address is inside this heap's reservation (one subtraction, one unsigned
 *       compare: foreign memory, null and wild addresses stop here, never dereferenced);
 *   <li>its page belongs to a live span of exactly the class the size names (one page-map
 *       load: a wrong size, a large block or a free page fails);
 *   <li>it is the start of an object (one multiply and two compares, no division);
 *   <li>it is not already free: a freed block's first word holds this allocator's random
 *       {@link #key}, written by the free and cleared by the allocation that hands the block
 *       out again (glibc's tcache does the same since 2.29). A second free while the block
 *       sits in any cache finds the key.
 * </ol>
 * The block's first word is read and written through {@link #ALL}, a segment of global
 * scope over all memory, after the address was validated: a segment over the reservation in
 * the allocator's own scope measured about 1 ns more per access (64 B allocate/free pair,
 * JMH), and neither path needs it. A free after close is stopped before it touches memory by
 * the page tags, which close clears first. An allocation after close finds no cache (the
 * closing thread's is flushed) and throws, or pops a block from another live thread's cache;
 * close keeps the heap mapped while any block is in a cache or with a user, so such a block
 * is still memory, never a fault. The one case left: a free that passed its page check just
 * before a close that found every block back and unmapped the heap (a double free racing
 * with close) can fault. The scoped segment {@link #memory} serves zeroing and copying.
 *
 * <p>What it cannot see: a double free after the block was handed out again (its new owner's
 * free is indistinguishable), two frees of one block racing on two threads, and a block
 * whose first word the user overwrote with the key after freeing it. Checked mode adds a
 * per-object ownership bit for the cases that matter in tests.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public final class BlockChecks {
    private static final long PAGE_MASK = PageHeap.PAGE_SIZE - 1;

    private final long base;
    /**
     * The reservation's size; set to 0 by {@link #close} so that every later check fails at
     * the range test, before it reads the tag array (given back with the heap).
     */
    private long reserved;

    private final SizeClasses sizes;
    private final MemorySegment memory;
    private final long key;
    /** The page heap's tag array ({@link PageHeap#tagBase}): a free reads its page's tag in one load. */
    private final long tagBase;

    /** Set by the allocator's close: from then on every check that fails reports the close instead. */
    private volatile boolean closed;

    /** @param memory the reservation, {@code [heap.base(), heap.base() + heap.reservedBytes())}, in the allocator's scope */
    public BlockChecks(PageHeap heap, SizeClasses sizes, MemorySegment memory) {
        this.sizes = sizes;
        this.base = heap.base();
        this.reserved = heap.reservedBytes();
        this.memory = memory;
        this.tagBase = heap.tagBase();
        long k = 0;
        SecureRandom random = new SecureRandom();
        while ((k & 0xFFFF_0000_0000_0000L) == 0 || (k & 7) == 0) {
            k = random.nextLong(); // never a plausible pointer, never a small number
        }
        this.key = k;
    }

    /**
     * From now on every check fails at the range test (the heap and its tag array may be
     * given back next) and reports the closed allocator (what the caller really did wrong).
     */
    public void close() {
        reserved = 0;
        closed = true;
    }

    /** The tag of the page holding heap offset {@code off} (inside the reservation). */
    private int tagOf(long off) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, tagBase + ((off >>> PageHeap.PAGE_SHIFT) << 2));
    }

    /** A block leaves the allocator: its free mark is cleared. */
    public void onAllocate(long block) {
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, block, 0L);
    }

    /**
     * Validates a free of {@code block} with {@code size} (1 to the largest small size) and
     * marks it free: the size's class must be the class its page is tagged with.
     *
     * <p>The class returned is the size's, not the tag's: equal when the check passes, but the
     * size's is known before the block's page is read, so the cache push that follows does
     * not wait on the tag load (the check's branch is predicted and retires later). Returning
     * the tag's class measured 4 ns more per 64 B allocate/free pair (19.3 against 15.2 ns,
     * medians of five alternating JMH runs), about half of what every check together costs.
     *
     * @return the block's size class
     * @throws IllegalArgumentException when the address is not the start of a live block of
     *                                  this allocator of that class
     * @throws IllegalStateException    on a double free, or when the allocator is closed
     */
    public int onFree(long block, long size) {
        long off = block - base;
        if (Long.compareUnsigned(off, reserved) >= 0) {
            throw notOurs(block);
        }
        int c = SizeClasses.classOf(size);
        int tag = tagOf(off);
        if ((tag & 0xFF) != c) {
            throw wrongClass(block, c, tag);
        }
        if (!isObjectStart(off, tag, c)) {
            throw interior(block, c);
        }
        markFree(block, off, c);
        return c;
    }

    /**
     * The unsized free's check: one tag lookup finds the class and validates the block
     * (the sized path's checks, with the class read instead of compared).
     *
     * @return the block's size class, marked free; 0 when the address is not in a small
     *         block's span (a large block, a dedicated mapping or foreign memory: the
     *         caller's large-block path decides)
     * @throws IllegalArgumentException when it is inside a small block but not its start
     * @throws IllegalStateException    on a double free, or when the allocator is closed
     */
    public int onFreeUnsized(long block) {
        long off = block - base;
        if (Long.compareUnsigned(off, reserved) >= 0) {
            return 0;
        }
        int tag = tagOf(off);
        int c = tag & 0xFF;
        if (c == 0 || c == PageHeap.LARGE_TAG) {
            return 0;
        }
        if (!isObjectStart(off, tag, c)) {
            throw interior(block, c);
        }
        markFree(block, off, c);
        return c;
    }

    /** The double-free check and the free mark, on a block already validated as class {@code c}. */
    private void markFree(long block, long off, int c) {
        if (read(off) == key) {
            if (closed) {
                throw closed(null);
            }
            throw new IllegalStateException("double free of 0x" + Long.toHexString(block) + " (" + sizes.size(c)
                    + " B block): it was already freed and not allocated since");
        }
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, base + off, key);
    }

    /**
     * True when heap offset {@code off}, in a page tagged {@code tag} of a class-{@code c}
     * span, is the start of an object: the page's place in the span plus the offset in the
     * page must be a whole multiple of the size below the span's unused tail (one multiply,
     * no division: {@link SizeClasses#isObjectStart}).
     */
    private static boolean isObjectStart(long off, int tag, int c) {
        long inSpan = (off & PAGE_MASK) + ((long) (tag >>> PageHeap.TAG_CLASS_BITS) << PageHeap.PAGE_SHIFT);
        return SizeClasses.isObjectStart(c, inSpan);
    }

    /** All memory, in the global scope: the free path's access to a validated block (see the class comment). */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private long read(long off) {
        return ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, base + off);
    }

    /**
     * The size class of the small block starting at {@code address}, {@link PageHeap#LARGE_TAG}
     * when a large block starts there, or 0 when neither (foreign, interior, free).
     */
    public int classAt(long address) {
        long off = address - base;
        if (Long.compareUnsigned(off, reserved) >= 0) {
            return 0;
        }
        int tag = tagOf(off);
        int c = tag & 0xFF;
        if (c == PageHeap.LARGE_TAG) {
            return (off & PAGE_MASK) == 0 ? c : 0;
        }
        if (c == 0) {
            return 0;
        }
        return isObjectStart(off, tag, c) ? c : 0;
    }

    /** True when {@code address} lies in this heap's reservation. */
    public boolean inHeap(long address) {
        return Long.compareUnsigned(address - base, reserved) < 0;
    }

    /** Up to this many bytes are zeroed with plain stores; above it, by {@code MemorySegment.fill}. */
    private static final long STORE_ZEROING_BYTES = 512;

    /**
     * Zeroes {@code bytes} at {@code block}, a block just allocated from this heap. Small
     * blocks take plain stores through {@link #ALL}: the block is with the caller, so close
     * keeps the heap mapped under it; a slice of the scoped segment and its fill measured
     * about 18 ns for 64 B, as much as two allocate/free pairs.
     */
    public void zero(long block, long bytes) {
        if (bytes <= STORE_ZEROING_BYTES) {
            long words = block + (bytes & ~7L);
            for (long a = block; a < words; a += 8) {
                ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, a, 0L);
            }
            for (long a = words; a < block + bytes; a++) {
                ALL.set(ValueLayout.JAVA_BYTE, a, (byte) 0);
            }
            return;
        }
        try {
            memory.asSlice(block - base, bytes).fill((byte) 0);
        } catch (IllegalStateException e) {
            throw closed(e);
        }
    }

    private static IllegalStateException closed(IllegalStateException cause) {
        return new IllegalStateException("allocator is closed", cause);
    }

    private RuntimeException notOurs(long block) {
        if (closed) {
            return closed(null);
        }
        return new IllegalArgumentException("0x" + Long.toHexString(block)
                + " is not a block of this allocator (foreign memory, or not an address at all)");
    }

    private RuntimeException wrongClass(long block, int c, int tag) {
        if (closed) {
            return closed(null);
        }
        int actual = tag & 0xFF;
        String what = actual == 0
                ? "no live small block of this allocator (free memory, or inside a large block)"
                : actual == PageHeap.LARGE_TAG ? "a large block" : "a block of " + sizes.size(actual) + " B";
        return new IllegalArgumentException("free of 0x" + Long.toHexString(block) + " with a size of the "
                + sizes.size(c) + " B class, but the address is " + what);
    }

    private RuntimeException interior(long block, int c) {
        if (closed) {
            return closed(null);
        }
        return new IllegalArgumentException(
                "0x" + Long.toHexString(block) + " points inside a " + sizes.size(c) + " B block, not at its start");
    }
}
