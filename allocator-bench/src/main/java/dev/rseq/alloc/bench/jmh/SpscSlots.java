package dev.rseq.alloc.bench.jmh;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A single-producer single-consumer ring of (address, size) entries whose index doubles as
 * the block's slot: the consumer frees a block before it releases the entry, so the
 * producer never reuses a slot that is still live. The counters sit in one AtomicLongArray,
 * 128 bytes apart, so producer and consumer do not share a cache line by accident of layout.
 * Shared by ProducerConsumerBenchmark and compare's producer-consumer workload.
 */
public final class SpscSlots {
    private static final int HEAD = 8; // producer's next entry (written by producer)
    private static final int TAIL_CACHE = 12; // producer's last view of TAIL
    private static final int TAIL = 24; // consumer's next entry (written by consumer)
    private static final int HEAD_CACHE = 28; // consumer's last view of HEAD

    private final long[] address;
    private final long[] size;
    private final int mask;
    private final AtomicLongArray counters = new AtomicLongArray(40);

    public SpscSlots(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two");
        }
        address = new long[capacity];
        size = new long[capacity];
        mask = capacity - 1;
    }

    public int capacity() {
        return mask + 1;
    }

    /** Producer: the entry (slot) to fill next, or -1 while the ring is full. */
    public int claim() {
        long head = counters.getPlain(HEAD);
        if (head - counters.getPlain(TAIL_CACHE) > mask) {
            counters.setPlain(TAIL_CACHE, counters.getAcquire(TAIL));
            if (head - counters.getPlain(TAIL_CACHE) > mask) {
                return -1;
            }
        }
        return (int) (head & mask);
    }

    /** Producer: hands the claimed entry to the consumer. */
    public void publish(int slot, long blockAddress, long blockSize) {
        address[slot] = blockAddress;
        size[slot] = blockSize;
        counters.setRelease(HEAD, counters.getPlain(HEAD) + 1);
    }

    /** Consumer: the entry to take next, or -1 while the ring is empty. */
    public int poll() {
        long tail = counters.getPlain(TAIL);
        if (tail >= counters.getPlain(HEAD_CACHE)) {
            counters.setPlain(HEAD_CACHE, counters.getAcquire(HEAD));
            if (tail >= counters.getPlain(HEAD_CACHE)) {
                return -1;
            }
        }
        return (int) (tail & mask);
    }

    public long address(int slot) {
        return address[slot];
    }

    public long size(int slot) {
        return size[slot];
    }

    /** Consumer: the entry is done with (its block freed); the producer may reuse it. */
    public void release() {
        counters.setRelease(TAIL, counters.getPlain(TAIL) + 1);
    }
}
