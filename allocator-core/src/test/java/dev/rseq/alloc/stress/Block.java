package dev.rseq.alloc.stress;

/**
 * A live block in transit between threads (handoff queues).
 *
 * @param address the block
 * @param size    the size it was requested with
 * @param owner   id of the worker that allocated and filled it (part of its pattern)
 * @param aligned allocated with allocateAligned (a sized free must use its usable size)
 */
record Block(long address, long size, long owner, boolean aligned) {}
