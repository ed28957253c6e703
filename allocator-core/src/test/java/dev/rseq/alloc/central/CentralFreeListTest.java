package dev.rseq.alloc.central;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.sizeclass.SizeClasses;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CentralFreeListTest {
    private final SizeClasses sizes = new SizeClasses();
    private final PageHeap heap = new PageHeap(new PageHeap.Config(1L << 30, 4L << 20, 0, Long.MAX_VALUE, 64L << 20));
    private final int c = SizeClasses.classOf(48);
    private final CentralFreeList list =
            new CentralFreeList(c, sizes.size(c), sizes.spanPages(c), sizes.objectsPerSpan(c), heap, false);

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void objectsAreDistinctAlignedAndComeBack() {
        int n = sizes.objectsPerSpan(c) * 3 + 7;
        long[] objects = new long[n];
        list.removeRange(objects, 0, n);
        Set<Long> seen = new HashSet<>();
        for (long p : objects) {
            assertTrue(seen.add(p), "handed out twice: " + p);
            assertEquals(0, p % 16);
        }
        assertEquals(n, list.objectsOut());
        assertEquals(4, list.spans());
        list.insertRange(objects, 0, n);
        assertEquals(0, list.objectsOut());
        long kept = list.spans();
        long bound = Math.max(2, CentralFreeList.EMPTY_SPAN_BYTES / ((long) sizes.spanPages(c) << PageHeap.PAGE_SHIFT));
        assertEquals(Math.min(4, bound), kept, "empty spans kept");
        assertEquals(kept, list.releaseEmptySpans());
        assertEquals(0, list.spans(), "released empty spans return to the page heap");
        assertEquals(0, heap.stats().inUseBytes());
    }

    @Test
    void emptySpansKeptAreBoundedAndReusedBeforeNewOnes() {
        int big = SizeClasses.classOf(64 * 1024);
        CentralFreeList large =
                new CentralFreeList(big, sizes.size(big), sizes.spanPages(big), sizes.objectsPerSpan(big), heap, false);
        int n = sizes.objectsPerSpan(big) * 5;
        long[] objects = new long[n];
        large.removeRange(objects, 0, n);
        assertEquals(5, large.spans());
        large.insertRange(objects, 0, n);
        assertEquals(2, large.spans(), "64 KiB spans: two kept, the rest back to the page heap");
        long inUse = heap.stats().inUseBytes();
        long[] again = new long[2 * sizes.objectsPerSpan(big)];
        large.removeRange(again, 0, again.length);
        assertEquals(inUse, heap.stats().inUseBytes(), "kept spans serve before the page heap");
        large.insertRange(again, 0, again.length);
        assertEquals(2, large.releaseEmptySpans());
        assertEquals(0, large.spans());
    }

    @Test
    void doubleFreeIsDetectedAndValidObjectsStillGoBack() {
        long[] objects = new long[4];
        list.removeRange(objects, 0, 4);
        list.insertRange(objects, 0, 1);
        long[] again = {objects[1], objects[0], objects[2]};
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> list.insertRange(again, 0, 3));
        assertTrue(e.getMessage().contains("double free"));
        assertEquals(1, list.objectsOut(), "objects[1] and objects[2] went back despite the bad one");
    }

    @Test
    void foreignAndInteriorAddressesAreRejected() {
        long[] objects = new long[2];
        list.removeRange(objects, 0, 2);
        assertThrows(IllegalArgumentException.class, () -> list.insertRange(new long[] {objects[0] + 8}, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> list.insertRange(new long[] {0x10000L}, 0, 1));
        int other = SizeClasses.classOf(4096);
        CentralFreeList otherList = new CentralFreeList(
                other, sizes.size(other), sizes.spanPages(other), sizes.objectsPerSpan(other), heap, false);
        long[] big = new long[1];
        otherList.removeRange(big, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> list.insertRange(big, 0, 1), "wrong size class");
        assertEquals(2, list.objectsOut());
        list.insertRange(objects, 0, 2);
        assertEquals(0, list.objectsOut());
    }

    @Test
    void transferCacheOverflowsIntoTheCentralList() {
        TransferCache tc = new TransferCache(8, list);
        long[] objects = new long[20];
        tc.remove(objects, 0, 20);
        assertEquals(20, list.objectsOut());
        tc.insert(objects, 0, 20);
        assertEquals(8, tc.size());
        assertEquals(8, list.objectsOut(), "12 overflowed into spans");
        long[] back = new long[8];
        tc.remove(back, 0, 8);
        long[] expected = Arrays.copyOfRange(objects, 0, 8);
        Arrays.sort(back);
        Arrays.sort(expected);
        assertEquals(Arrays.toString(expected), Arrays.toString(back), "LIFO-bounded cache keeps the first 8");
        tc.insert(back, 0, 8);
        tc.flush();
        assertEquals(0, list.objectsOut());
    }
}
