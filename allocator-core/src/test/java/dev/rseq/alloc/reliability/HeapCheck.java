package dev.rseq.alloc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.stress.BlockPattern;
import dev.rseq.alloc.stress.FinalAccounting;
import dev.rseq.alloc.stress.Violation;

/** "The heap is intact": it still serves and takes back blocks, and its accounting is exact. */
final class HeapCheck {
    private static final long[] SIZES = {8, 16, 100, 1000, 5000, 40_000, 300_000};

    private HeapCheck() {}

    /**
     * Allocates, fills, verifies and frees a few blocks of every tier, then checks that after
     * releaseMemory() no object, byte, cache entry or span is left over. Call it on the
     * thread that used the allocator (its thread cache is the one releaseMemory() drains).
     */
    static void assertIntact(PerCpuAllocator a) {
        long[] blocks = new long[SIZES.length * 4];
        for (int i = 0; i < blocks.length; i++) {
            long size = SIZES[i % SIZES.length];
            blocks[i] = a.allocate(size);
            BlockPattern.fill(blocks[i], size, i);
        }
        for (int i = 0; i < blocks.length; i++) {
            long size = SIZES[i % SIZES.length];
            assertEquals(-1, BlockPattern.firstMismatch(blocks[i], size, i), "block " + i + " changed");
            if (i % 2 == 0) {
                a.free(blocks[i]);
            } else {
                a.free(blocks[i], size);
            }
        }
        Violation v = FinalAccounting.check(a, "heap check");
        assertNull(v, () -> v.report());
    }
}
