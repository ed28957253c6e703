package dev.rseq.alloc.central;

import dev.rseq.alloc.pageheap.Span;
import java.util.LinkedHashSet;

/**
 * Spans of one class in one state (with free objects, or all free and kept). Oldest first:
 * filling old spans lets young ones drain and return to the page heap. Guarded by the
 * central free list's lock.
 */
final class SpanList {
    private final LinkedHashSet<Span> spans = new LinkedHashSet<>();

    Span first() {
        return spans.isEmpty() ? null : spans.getFirst();
    }

    void add(Span s) {
        spans.add(s);
    }

    void remove(Span s) {
        spans.remove(s);
    }

    int size() {
        return spans.size();
    }
}
