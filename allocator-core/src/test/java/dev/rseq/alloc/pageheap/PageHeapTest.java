package dev.rseq.alloc.pageheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.os.OsMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PageHeapTest {
    private static final long MIB = 1L << 20;
    private final PageHeap heap = heap(1L << 30, 4 * MIB, Long.MAX_VALUE, 64 * MIB);

    private static PageHeap heap(long reserve, long grow, long release, long dedicated) {
        return new PageHeap(new PageHeap.Config(reserve, grow, 0, release, dedicated));
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private static void assertBalanced(PageHeap h) {
        PageHeap.Stats s = h.stats();
        assertEquals(s.mappedBytes(), s.inUseBytes() + s.freeBytes() + s.unbackedBytes(), s.toString());
    }

    @Test
    void spansAreDisjointMappedAndCoalesceBack() {
        Random random = new Random(1);
        List<Span> live = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            if (live.isEmpty() || random.nextInt(3) > 0) {
                Span s = random.nextBoolean()
                        ? heap.allocateSmall(1 + random.nextInt(8), 5)
                        : heap.allocateLarge(PageHeap.PAGE_SIZE * (1 + random.nextInt(40)), PageHeap.PAGE_SIZE);
                for (Span other : live) {
                    assertTrue(
                            s.start() + s.bytes() <= other.start() || other.start() + other.bytes() <= s.start(),
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
            assertBalanced(heap);
        }
        live.forEach(heap::free);
        assertEquals(0, heap.stats().inUseBytes());
        assertBalanced(heap);
    }

    /**
     * Free memory above the threshold goes back down to half of it, so a heap whose free
     * memory hovers at the threshold does not release (and later fault back) a span on every
     * free. Here 17 separate free 1 MiB spans sit at a 16 MiB threshold and a 2 MiB block
     * (which none of them fits) is allocated and freed 100 times: once released down to
     * 8 MiB, the churn stays under the threshold (released down to the threshold only, every
     * one of the 100 frees released 2 MiB).
     */
    @Test
    void releaseHasHysteresis() {
        PageHeap h = heap(1L << 30, 64 * MIB, 16 * MIB, 64 * MIB);
        try {
            List<Span> live = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                live.add(h.allocateLarge(MIB, PageHeap.PAGE_SIZE));
            }
            List<Span> kept = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                if (i % 2 == 0 && i < 34) {
                    h.free(live.get(i)); // every other one: free spans that cannot coalesce
                } else {
                    kept.add(live.get(i));
                }
            }
            long before = h.stats().releasedTotal();
            for (int i = 0; i < 100; i++) {
                h.free(h.allocateLarge(2 * MIB, PageHeap.PAGE_SIZE));
            }
            long released = h.stats().releasedTotal() - before;
            assertTrue(released <= 16 * MIB, "released " + released + " B over 100 frees of 2 MiB: " + h.stats());
            assertTrue(h.stats().freeBytes() <= 16 * MIB, h.stats().toString());
            assertBalanced(h);
            kept.forEach(h::free);
        } finally {
            h.close();
        }
    }

    @Test
    void smallSpansTagEveryPageWithClassAndPosition() {
        Span s = heap.allocateSmall(4, 17);
        for (int i = 0; i < 4; i++) {
            int tag = heap.tagAt(s.start() - heap.base() + i * PageHeap.PAGE_SIZE + 123);
            assertEquals(17, tag & 0xFF);
            assertEquals(i, tag >>> PageHeap.TAG_CLASS_BITS);
        }
        heap.free(s);
        for (int i = 0; i < 4; i++) {
            assertEquals(
                    0,
                    heap.tagAt(s.start() - heap.base() + i * PageHeap.PAGE_SIZE),
                    "a freed span's pages carry no tag");
        }
    }

    @Test
    void largeSpansTagOnlyTheirFirstPageAndAreFoundOnlyThere() {
        Span s = heap.allocateLarge(5 * PageHeap.PAGE_SIZE, PageHeap.PAGE_SIZE);
        assertEquals(PageHeap.LARGE_TAG, heap.tagAt(s.start() - heap.base()));
        assertEquals(0, heap.tagAt(s.start() - heap.base() + 2 * PageHeap.PAGE_SIZE));
        assertSame(s, heap.spanOf(s.start()));
        heap.free(s);
        assertEquals(0, heap.tagAt(s.start() - heap.base()));
    }

    @Test
    void freshMemoryIsZeroAndReleasedMemoryReadsBackAsZeroes() {
        Span s = heap.allocateLarge(4 * PageHeap.PAGE_SIZE, PageHeap.PAGE_SIZE);
        assertTrue(s.zeroed(), "carved from never-touched pages");
        MemorySegment m = MemorySegment.ofAddress(s.start()).reinterpret(s.bytes());
        m.fill((byte) 0x5A);
        heap.free(s);
        Span dirty = heap.allocateLarge(4 * PageHeap.PAGE_SIZE, PageHeap.PAGE_SIZE);
        assertFalse(dirty.zeroed(), "reused backed pages are not known to be zero");
        heap.free(dirty);
        long released = heap.release(Long.MAX_VALUE);
        assertTrue(released >= s.bytes());
        assertEquals(0, heap.stats().freeBytes());
        Span again = heap.allocateLarge(4 * PageHeap.PAGE_SIZE, PageHeap.PAGE_SIZE);
        assertTrue(again.zeroed());
        MemorySegment n = MemorySegment.ofAddress(again.start()).reinterpret(again.bytes());
        for (long off = 0; off < again.bytes(); off += 512) {
            assertEquals(0, n.get(ValueLayout.JAVA_BYTE, off), "returned pages read back as zero");
        }
        assertBalanced(heap);
    }

    @Test
    void releasePolicyKeepsFreeBytesUnderTheThreshold() {
        try (PageHeap h = heap(1L << 30, 4 * MIB, MIB, 64 * MIB)) {
            List<Span> spans = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                spans.add(h.allocateLarge(8 * PageHeap.PAGE_SIZE, PageHeap.PAGE_SIZE));
            }
            spans.forEach(h::free);
            PageHeap.Stats s = h.stats();
            assertTrue(s.freeBytes() <= MIB, s.toString());
            assertTrue(s.releasedTotal() > 0);
        }
    }

    @Test
    void alignedSpansAreAligned() {
        for (long align : new long[] {2, 4, 16, 64, 256}) {
            Span s = heap.allocateLarge(3 * PageHeap.PAGE_SIZE, align * PageHeap.PAGE_SIZE);
            assertEquals(0, s.start() % (align * PageHeap.PAGE_SIZE), "aligned to " + align + " pages");
            heap.free(s);
        }
        assertBalanced(heap);
    }

    @Test
    void hugeAlignmentsAndHugeBlocksGetExactlyTheirOwnMapping() {
        Span aligned = heap.allocateLarge(PageHeap.PAGE_SIZE, 1L << 36);
        assertEquals(0, aligned.start() % (1L << 36));
        assertEquals(PageHeap.PAGE_SIZE, aligned.bytes(), "no over-mapping kept for the alignment");
        Span huge = heap.allocateLarge(1L << 40, PageHeap.PAGE_SIZE);
        assertEquals(1L << 40, huge.bytes());
        assertSame(huge, heap.spanOf(huge.start()));
        assertEquals(2, heap.stats().dedicatedMappings());
        assertEquals(0, heap.stats().pageMapLeaves() > 8 ? 1 : 0, "a 1 TiB block costs no page-map leaves");
        heap.free(huge);
        heap.free(aligned);
        assertEquals(0, heap.stats().dedicatedMappings());
        assertThrows(IllegalStateException.class, () -> heap.free(huge), "double free of a mapping");
        assertBalanced(heap);
    }

    @Test
    void aHugeRequestDoesNotHoldTheLock() throws Exception {
        Thread t = new Thread(() -> {
            for (int i = 0; i < 20; i++) {
                heap.free(heap.allocateLarge(1L << 40, PageHeap.PAGE_SIZE));
            }
        });
        t.start();
        long worst = 0;
        while (t.isAlive()) {
            long t0 = System.nanoTime();
            heap.free(heap.allocateSmall(1, 3));
            worst = Math.max(worst, System.nanoTime() - t0);
        }
        t.join();
        assertTrue(worst < 200_000_000L, "a small span waited " + worst / 1_000_000 + " ms behind huge mappings");
    }

    @Test
    void foreignAndInteriorAddressesAreRecognised() {
        assertNull(heap.spanOf(0));
        assertNull(heap.spanOf(-8));
        assertNull(heap.spanOf(0x1000));
        Span s = heap.allocateSmall(2, 9);
        assertSame(s, heap.spanOf(s.start() + 100));
        heap.free(s);
        assertThrows(IllegalStateException.class, () -> heap.free(s), "double free of a span");
    }

    @Test
    void exhaustingTheReservationThrowsOutOfMemoryAndLeavesTheHeapUsable() {
        try (PageHeap h = heap(8 * MIB, 2 * MIB, Long.MAX_VALUE, 64 * MIB)) {
            List<Span> spans = new ArrayList<>();
            assertThrows(OutOfMemoryError.class, () -> {
                while (true) {
                    spans.add(h.allocateLarge(MIB, PageHeap.PAGE_SIZE));
                }
            });
            assertBalanced(h);
            h.free(spans.removeLast());
            spans.add(h.allocateLarge(MIB, PageHeap.PAGE_SIZE));
            spans.forEach(h::free);
            assertEquals(0, h.stats().inUseBytes());
            assertBalanced(h);
        }
    }

    @Test
    void closedHeapRefusesAllocationAndReturnsItsAddressSpace() {
        PageHeap h = heap(64 * MIB, 2 * MIB, 0, 64 * MIB);
        long base = h.base();
        h.allocateSmall(1, 1);
        h.close();
        assertThrows(IllegalStateException.class, () -> h.allocateSmall(1, 1));
        // The range is free again: a fixed-size probe mapping can land anywhere, so check that
        // the old range no longer shows up as one of this process's mappings instead.
        assertFalse(ProcMaps.mapped(base), "the reservation is unmapped after close");
    }

    /** Reads /proc/self/maps. */
    static final class ProcMaps {
        static boolean mapped(long address) {
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps"))) {
                    String[] range = line.substring(0, line.indexOf(' ')).split("-");
                    long lo = Long.parseUnsignedLong(range[0], 16);
                    long hi = Long.parseUnsignedLong(range[1], 16);
                    if (address >= lo && address < hi) {
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        static {
            assertTrue(OsMemory.OS_PAGE > 0);
        }
    }
}
