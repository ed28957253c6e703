package dev.rseq.alloc.central;

/**
 * A bounded stack of objects of one size class between the per-CPU tier and the central
 * free list: batches drained by one cpu are refilled into another without touching spans.
 * Short critical sections under the object monitor; reached only on per-CPU misses.
 */
public final class TransferCache {
    private final long[] slots;
    private final CentralFreeList central;
    private int count;

    public TransferCache(int capacity, CentralFreeList central) {
        this.slots = new long[capacity];
        this.central = central;
    }

    /** Moves exactly {@code n} objects into {@code out[off ..]}. */
    public void remove(long[] out, int off, int n) {
        int taken;
        synchronized (this) {
            taken = Math.min(n, count);
            System.arraycopy(slots, count - taken, out, off, taken);
            count -= taken;
        }
        if (taken < n) {
            central.removeRange(out, off + taken, n - taken);
        }
    }

    /** Takes {@code n} objects from {@code in[off ..]}; what does not fit goes to the central list. */
    public void insert(long[] in, int off, int n) {
        int put;
        synchronized (this) {
            put = Math.min(n, slots.length - count);
            System.arraycopy(in, off, slots, count, put);
            count += put;
        }
        if (put < n) {
            central.insertRange(in, off + put, n - put);
        }
    }

    /** Gives every cached object back to the central free list (release, close). */
    public void flush() {
        long[] all;
        synchronized (this) {
            all = java.util.Arrays.copyOf(slots, count);
            count = 0;
        }
        central.insertRange(all, 0, all.length);
    }

    public synchronized int size() {
        return count;
    }
}
