package dev.rseq.alloc.pageheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Address to span, a two-level radix tree over 47-bit user addresses: 2^17 leaves of
 * 2^17 pages (1 GiB of address space each with 8 KiB pages).
 *
 * <p>Invariants: every page of a SMALL or LARGE span maps to it; a FREE span's first and
 * last pages map to it (what coalescing needs); any other entry may be stale, pointing at
 * a RETIRED span or at the free span around it, never at a live span that does not
 * contain the page. Writers hold the page heap's lock; readers do not lock: a leaf is
 * published with release semantics, and a span reaches a reader only after the address it
 * maps was handed out through a lock or by the user's own synchronisation.
 */
final class PageMap {
    private static final int LEAF_BITS = 17;
    private static final int ROOT_BITS = 47 - PageHeap.PAGE_SHIFT - LEAF_BITS;
    private static final long LEAF_MASK = (1L << LEAF_BITS) - 1;
    private static final VarHandle ROOT = MethodHandles.arrayElementVarHandle(Span[][].class);

    private final Span[][] root = new Span[1 << ROOT_BITS][];

    /** The span recorded for {@code address}, or null (foreign address, or never mapped). */
    Span get(long address) {
        long page = address >>> PageHeap.PAGE_SHIFT;
        if (address <= 0 || page >>> (ROOT_BITS + LEAF_BITS) != 0) {
            return null;
        }
        Span[] leaf = root[(int) (page >>> LEAF_BITS)];
        return leaf == null ? null : leaf[(int) (page & LEAF_MASK)];
    }

    /** Maps pages {@code [first, first + count)} to {@code span}. Caller holds the heap lock. */
    void set(long first, long count, Span span) {
        for (long p = first; p < first + count; p++) {
            int r = (int) (p >>> LEAF_BITS);
            Span[] leaf = root[r];
            if (leaf == null) {
                leaf = new Span[1 << LEAF_BITS];
                ROOT.setRelease(root, r, leaf);
            }
            leaf[(int) (p & LEAF_MASK)] = span;
        }
    }

    /** Maps the first and last page of a free span. */
    void setEnds(Span span) {
        set(span.startPage, 1, span);
        set(span.startPage + span.pages - 1, 1, span);
    }

    /** Span holding page {@code page}, or null. */
    Span atPage(long page) {
        return page <= 0 ? null : get(page << PageHeap.PAGE_SHIFT);
    }
}
