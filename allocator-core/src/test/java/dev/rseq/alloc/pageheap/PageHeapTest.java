package dev.rseq.alloc.pageheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageHeapTest {
    private final PageHeap heap = new PageHeap(4L << 20, PageHeap.HugePages.SYSTEM_DEFAULT, Long.MAX_VALUE);

    @AfterEach
    void close() {
        heap.close();
    }

    private void assertBalanced() {
        PageHeap.Stats s = heap.stats();
        assertEquals(s.mappedBytes(), s.inUseBytes() + s.freeBytes() + s.returnedBytes(), s.toString());
    }

    @Test
    void spansAreDisjointMappedAndCoalesceBack() {
        Random random = new Random(1);
        List<Span> live = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            if (live.isEmpty() || random.nextInt(3) > 0) {
                Span s = heap.allocate(1 + random.nextInt(40), Span.State.LARGE);
                for (Span other : live) {
                    assertTrue(s.start() + s.bytes() <= other.start() || other.start() + other.bytes() <= s.start(),
                            s + " overlaps " + other);
                }
                assertSame(s, heap.spanOf(s.start()));
                assertSame(s, heap.spanOf(s.start() + s.bytes() - 1));
                live.add(s);
            } else {
                Span s = live.remove(random.nextInt(live.size()));
                heap.free(s);
                assertNull(heap.spanOf(s.start()), "a freed span is not found");
            }
            assertBalanced();
        }
        live.forEach(heap::free);
        PageHeap.Stats s = heap.stats();
        assertEquals(0, s.inUseBytes());
        assertBalanced();
    }

    @Test
    void memoryIsUsableAndReleaseReturnsItAsZeroes() {
        Span s = heap.allocate(4, Span.State.LARGE);
        MemorySegment m = MemorySegment.ofAddress(s.start()).reinterpret(s.bytes());
        m.fill((byte) 0x5A);
        heap.free(s);
        long released = heap.release(Long.MAX_VALUE);
        assertTrue(released >= s.bytes());
        assertEquals(0, heap.stats().freeBytes());
        Span again = heap.allocate(4, Span.State.LARGE);
        MemorySegment n = MemorySegment.ofAddress(again.start()).reinterpret(again.bytes());
        for (long off = 0; off < again.bytes(); off += 512) {
            assertEquals(0, n.get(ValueLayout.JAVA_BYTE, off), "returned pages read back as zero");
        }
        assertBalanced();
    }

    @Test
    void releasePolicyKeepsFreeBytesUnderTheThreshold() {
        try (PageHeap h = new PageHeap(4L << 20, PageHeap.HugePages.NEVER, 1L << 20)) {
            List<Span> spans = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                spans.add(h.allocate(8, Span.State.LARGE));
            }
            spans.forEach(h::free);
            PageHeap.Stats s = h.stats();
            assertTrue(s.freeBytes() <= 1L << 20, s.toString());
            assertTrue(s.releasedTotal() > 0);
        }
    }

    @Test
    void alignedSpansAreAligned() {
        for (long align : new long[] {2, 4, 16, 64}) {
            Span s = heap.allocateAligned(3, align, Span.State.LARGE);
            assertEquals(0, s.startPage % align, "aligned to " + align + " pages");
            heap.free(s);
        }
        assertBalanced();
    }

    @Test
    void foreignAndInteriorAddressesAreRecognised() {
        assertNull(heap.spanOf(0));
        assertNull(heap.spanOf(-8));
        assertNull(heap.spanOf(0x1000));
        Span s = heap.allocate(2, Span.State.LARGE);
        assertSame(s, heap.spanOf(s.start() + 100));
        heap.free(s);
        assertThrows(IllegalStateException.class, () -> heap.free(s), "double free of a span");
    }

    @Test
    void closedHeapRefusesAllocation() {
        PageHeap h = new PageHeap(2L << 20, PageHeap.HugePages.SYSTEM_DEFAULT, 0);
        h.allocate(1, Span.State.LARGE);
        h.close();
        assertThrows(IllegalStateException.class, () -> h.allocate(1, Span.State.LARGE));
    }
}
