package dev.rseq.alloc.reliability;

/** One step of a random operation sequence for {@link AllocatorModelTest}. */
sealed interface Op {
    /** allocate(size). */
    record Alloc(long size) implements Op {}

    /** allocateAligned(size, 1 << shift). */
    record AllocAligned(long size, int shift) implements Op {}

    /** allocateBulk(size, out, 0, n). */
    record AllocBulk(long size, int n) implements Op {}

    /** free one live block (picked by index), sized or not. */
    record Free(int pick, boolean sized) implements Op {}

    /** freeBulk of the live plain blocks that share the picked block's size. */
    record FreeBulk(int pick) implements Op {}

    /** usableSize of a live block. */
    record Usable(int pick) implements Op {}

    /** open an arena. */
    record ArenaOpen(boolean shared) implements Op {}

    /** allocate from an open arena (picked by index). */
    record ArenaAlloc(int pick, long size, int shift) implements Op {}

    /** close an open arena. */
    record ArenaClose(int pick) implements Op {}

    /** releaseMemory(). */
    record Release() implements Op {}
}
