package dev.rseq.alloc.pageheap;

import dev.rseq.alloc.os.Memory;
import dev.rseq.alloc.os.OsMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Page number (relative to the heap's reservation) to span, in two forms kept side by side:
 * a {@link Span} reference for the slow paths (central lists, large blocks, coalescing) and
 * an {@code int} tag per page for the validation every free makes ({@link #tag}).
 *
 * <p>Spans sit in a two-level radix map: a root array sized once for the whole reservation
 * and leaves of {@value #LEAF_PAGES} pages (256 MiB of heap) made when the heap first
 * commits memory there, so it costs Java heap in proportion to what is committed, never to
 * what is reserved. Untouched leaves are a shared immutable array, so a lookup never tests
 * for null.
 *
 * <p>Tags sit in one flat array outside the Java heap, four bytes per page of the
 * reservation, taken from the heap's own {@link Memory} and committed lazily by the OS
 * (mmap memory costs nothing until a tag is written: 4 KiB of tags per 8 MiB of heap
 * used). A free reads its tag in one load from a fixed address plus the page number: a
 * two-level Java map took two dependent loads and two bounds checks, the longest chain on
 * the free path. The array lives and dies with the reservation ({@link #release}).
 *
 * <p>Invariants: every page of a SMALL span carries it and its tag; the first and last
 * pages of a LARGE or FREE span carry it; any other entry is stale (a RETIRED span, or a
 * free span around it) and its tag is 0. Writers hold the page heap's lock. Readers do not
 * lock: a reader reaches a page only through an address handed to it with happens-before
 * (a lock, a cache, the user's own synchronisation), which orders the entries it needs.
 */
@SuppressWarnings("restricted") // the tags are read and written through a segment over all memory
final class PageMap {
    static final int LEAF_BITS = 15;
    static final int LEAF_PAGES = 1 << LEAF_BITS;
    private static final int LEAF_MASK = LEAF_PAGES - 1;
    private static final VarHandle SPAN_ROOT = MethodHandles.arrayElementVarHandle(Span[][].class);
    private static final Span[] NO_SPANS = new Span[LEAF_PAGES];
    /** All memory: tags are read and written at absolute addresses inside {@link #tagBase}'s range. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final Span[][] spans;
    private final long pages;
    private final Memory memory;
    /** First byte of the tag array: the tag of page {@code p} is the int at {@code tagBase + 4p}. */
    private final long tagBase;

    private final long tagBytes;

    /**
     * @param pages  pages in the reservation
     * @param memory where the tag array comes from (the heap's own memory source)
     * @throws OutOfMemoryError when the tag array cannot be had (nothing is kept)
     */
    PageMap(long pages, Memory memory) {
        this.pages = pages;
        this.memory = memory;
        int roots = (int) ((pages + LEAF_PAGES - 1) >>> LEAF_BITS);
        spans = new Span[roots][];
        java.util.Arrays.fill(spans, NO_SPANS);
        tagBytes = (pages * Integer.BYTES + OsMemory.OS_PAGE - 1) & -OsMemory.OS_PAGE;
        tagBase = memory.reserve(tagBytes, OsMemory.OS_PAGE);
        try {
            memory.commit(tagBase, tagBytes);
            // Tags are touched a few bytes at a time all over the array: a huge page would
            // commit 2 MiB for the first tag of 4 GiB of heap.
            memory.adviseHugePages(tagBase, tagBytes, OsMemory.MADV_NOHUGEPAGE);
        } catch (RuntimeException | Error e) {
            memory.release(tagBase, tagBytes);
            throw e;
        }
    }

    /** The span recorded for {@code page}, or null (never mapped, or out of range). */
    Span span(long page) {
        if (page < 0 || page >= pages) {
            return null;
        }
        return spans[(int) (page >>> LEAF_BITS)][(int) page & LEAF_MASK];
    }

    /** The tag of {@code page}; the caller guarantees {@code 0 <= page < pages} and that the map is not released. */
    int tag(long page) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, tagBase + (page << 2));
    }

    private void setTag(long page, int tag) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, tagBase + (page << 2), tag);
    }

    /**
     * Makes the leaves covering {@code [first, first + count)} exist. Called before any
     * entry is written, so a Java heap OutOfMemoryError here leaves the map unchanged.
     */
    void ensureLeaves(long first, long count) {
        for (long r = first >>> LEAF_BITS; r <= (first + count - 1) >>> LEAF_BITS; r++) {
            int i = (int) r;
            if (spans[i] == NO_SPANS) {
                SPAN_ROOT.setRelease(spans, i, new Span[LEAF_PAGES]);
            }
        }
    }

    /** Maps pages {@code [first, first + count)} to {@code span} with {@code tag}. Leaves must exist. */
    void set(long first, long count, Span span, int tag) {
        for (long p = first; p < first + count; p++) {
            int r = (int) (p >>> LEAF_BITS);
            int i = (int) p & LEAF_MASK;
            spans[r][i] = span;
            setTag(p, tag);
        }
    }

    /** Maps only the first and last page of {@code span}, tagging the first with {@code tag}. */
    void setEnds(Span span, int tag) {
        set(span.startPage, 1, span, tag);
        if (span.pages > 1) {
            set(span.startPage + span.pages - 1, 1, span, 0);
        }
    }

    /** Clears the tags of {@code [first, first + count)} (span references may stay, stale). */
    void clearTags(long first, long count) {
        for (long p = first; p < first + count; p++) {
            setTag(p, 0);
        }
    }

    /** The tag array's address, for callers that look tags up themselves ({@link #tag}'s layout). */
    long tagBase() {
        return tagBase;
    }

    /** Clears every tag (the span references stay, stale), giving the tag memory back. */
    void clearAllTags() {
        memory.forget(tagBase, tagBytes);
    }

    /** Gives the tag array back (the reservation is gone: no tag may be read after this). */
    void release() {
        memory.release(tagBase, tagBytes);
    }

    /** Leaves of the span map made so far (each costs {@value #LEAF_PAGES} references of Java heap). */
    int leaves() {
        int n = 0;
        for (Span[] leaf : spans) {
            if (leaf != NO_SPANS) {
                n++;
            }
        }
        return n;
    }
}
