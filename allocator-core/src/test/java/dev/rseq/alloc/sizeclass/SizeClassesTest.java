package dev.rseq.alloc.sizeclass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SizeClassesTest {
    private final SizeClasses sizes = new SizeClasses();

    @Test
    void everyRequestMapsToTheSmallestClassThatFits() {
        for (int request = 1; request <= SizeClasses.MAX_SMALL_SIZE; request++) {
            int c = SizeClasses.classOf(request);
            assertTrue(c >= 1 && c < sizes.count(), "class of " + request);
            assertTrue(sizes.size(c) >= request, "class " + c + " fits " + request);
            assertTrue(c == 1 || sizes.size(c - 1) < request, "no smaller class fits " + request);
        }
    }

    @Test
    void classesGrowAndWasteIsBounded() {
        for (int c = 2; c < sizes.count(); c++) {
            int prev = sizes.size(c - 1);
            int size = sizes.size(c);
            assertTrue(size > prev);
            int worstWaste = size - (prev + 1);
            if (size <= 128) {
                assertTrue(worstWaste < 16, "class " + size + " wastes " + worstWaste);
            } else {
                assertTrue(worstWaste < size / 4, "class " + size + " wastes " + worstWaste);
            }
            assertEquals(0, size % 16, "classes above 8 B are 16-byte multiples");
        }
        assertEquals(SizeClasses.MAX_SMALL_SIZE, sizes.size(sizes.count() - 1));
    }

    @Test
    void spansWasteAtMostAnEighthAndBatchesAreBounded() {
        for (int c = 1; c < sizes.count(); c++) {
            long spanBytes = (long) sizes.spanPages(c) * dev.rseq.alloc.pageheap.PageHeap.PAGE_SIZE;
            long waste = spanBytes - (long) sizes.objectsPerSpan(c) * sizes.size(c);
            assertTrue(waste <= spanBytes / 8, "span waste of class " + c);
            assertTrue(sizes.objectsPerSpan(c) >= 1);
            assertTrue(sizes.batch(c) >= 2 && sizes.batch(c) <= 32);
        }
    }

    /** Every offset of every class's span (and a page beyond it), against division. */
    @Test
    void theObjectStartTestAgreesWithDivisionAtEveryOffset() {
        for (int c = 1; c < sizes.count(); c++) {
            long spanBytes = (long) sizes.spanPages(c) * dev.rseq.alloc.pageheap.PageHeap.PAGE_SIZE;
            int size = sizes.size(c);
            long objects = sizes.objectsPerSpan(c);
            for (long off = 0; off < spanBytes + dev.rseq.alloc.pageheap.PageHeap.PAGE_SIZE; off++) {
                boolean expected = off % size == 0 && off / size < objects;
                if (SizeClasses.isObjectStart(c, off) != expected) {
                    throw new AssertionError(
                            "class " + c + " (" + size + " B), offset " + off + ": expected " + expected);
                }
            }
        }
        for (int notAClass : new int[] {0, sizes.count(), 200, 254, 255}) {
            assertTrue(!SizeClasses.isObjectStart(notAClass, 0), "class byte " + notAClass + " names no class");
            assertTrue(!SizeClasses.isObjectStart(notAClass, 64), "class byte " + notAClass + " names no class");
        }
        assertTrue(
                !SizeClasses.isObjectStart(SizeClasses.classOf(64), 1L << 32), "offsets beyond 32 bits are not starts");
    }
}
