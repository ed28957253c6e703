package dev.rseq.alloc.pageheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Page number (relative to the heap's reservation) to span, in two forms kept side by side:
 * a {@link Span} reference for the slow paths (central lists, large blocks, coalescing) and
 * an {@code int} tag per page for the validation every free makes ({@link #tag}).
 *
 * <p>Both are two-level radix maps: a root array sized once for the whole reservation and
 * leaves of {@value #LEAF_PAGES} pages (256 MiB of heap) made when the heap first commits
 * memory there, so the map costs Java heap in proportion to what is committed, never to
 * what is reserved. Untouched leaves are shared immutable all-zero arrays, so a lookup
 * never tests for null.
 *
 * <p>Invariants: every page of a SMALL span carries it and its tag; the first and last
 * pages of a LARGE or FREE span carry it; any other entry is stale (a RETIRED span, or a
 * free span around it) and its tag is 0. Writers hold the page heap's lock. Readers do not
 * lock: a leaf is published with a release store, and a reader reaches a page only through
 * an address handed to it with happens-before (a lock, a cache, the user's own
 * synchronisation), which orders the entries it needs.
 */
final class PageMap {
    static final int LEAF_BITS = 15;
    static final int LEAF_PAGES = 1 << LEAF_BITS;
    private static final int LEAF_MASK = LEAF_PAGES - 1;
    private static final VarHandle SPAN_ROOT = MethodHandles.arrayElementVarHandle(Span[][].class);
    private static final VarHandle TAG_ROOT = MethodHandles.arrayElementVarHandle(int[][].class);
    private static final Span[] NO_SPANS = new Span[LEAF_PAGES];
    private static final int[] NO_TAGS = new int[LEAF_PAGES];

    private final Span[][] spans;
    private final int[][] tags;
    private final long pages;

    PageMap(long pages) {
        this.pages = pages;
        int roots = (int) ((pages + LEAF_PAGES - 1) >>> LEAF_BITS);
        spans = new Span[roots][];
        tags = new int[roots][];
        java.util.Arrays.fill(spans, NO_SPANS);
        java.util.Arrays.fill(tags, NO_TAGS);
    }

    /** The span recorded for {@code page}, or null (never mapped, or out of range). */
    Span span(long page) {
        if (page < 0 || page >= pages) {
            return null;
        }
        return spans[(int) (page >>> LEAF_BITS)][(int) page & LEAF_MASK];
    }

    /** The tag of {@code page}; the caller guarantees {@code 0 <= page < pages}. */
    int tag(int page) {
        return tags[page >>> LEAF_BITS][page & LEAF_MASK];
    }

    /**
     * Makes the leaves covering {@code [first, first + count)} exist. Called before any
     * entry is written, so a Java heap OutOfMemoryError here leaves the map unchanged.
     */
    void ensureLeaves(long first, long count) {
        for (long r = first >>> LEAF_BITS; r <= (first + count - 1) >>> LEAF_BITS; r++) {
            int i = (int) r;
            if (spans[i] == NO_SPANS) {
                Span[] leafSpans = new Span[LEAF_PAGES];
                int[] leafTags = new int[LEAF_PAGES];
                SPAN_ROOT.setRelease(spans, i, leafSpans);
                TAG_ROOT.setRelease(tags, i, leafTags);
            }
        }
    }

    /** Maps pages {@code [first, first + count)} to {@code span} with {@code tag}. Leaves must exist. */
    void set(long first, long count, Span span, int tag) {
        for (long p = first; p < first + count; p++) {
            int r = (int) (p >>> LEAF_BITS);
            int i = (int) p & LEAF_MASK;
            spans[r][i] = span;
            tags[r][i] = tag;
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
            tags[(int) (p >>> LEAF_BITS)][(int) p & LEAF_MASK] = 0;
        }
    }

    /** The tag map's root (never replaced; its leaves are), for callers that look tags up themselves. */
    int[][] tagRoot() {
        return tags;
    }

    /** Clears every tag (the span references stay, stale). */
    void clearAllTags() {
        for (int[] leaf : tags) {
            if (leaf != NO_TAGS) {
                java.util.Arrays.fill(leaf, 0);
            }
        }
    }

    /** Leaves made so far (each costs {@value #LEAF_PAGES} references and ints of Java heap). */
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
