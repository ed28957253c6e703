package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fake allocator that keeps books: every block is a 16-byte cell of its slot, zeroed when
 * handed out; a free must match the live block of that slot exactly and find the harness's
 * write in it. It records which thread allocated and which freed each block. Its books are
 * arrays, so it makes no garbage per operation: a GC pause in a loaded test JVM must not eat
 * a whole (short) phase.
 */
class Ledger implements BenchAllocator {
    final AtomicLong allocations = new AtomicLong();
    final AtomicLong frees = new AtomicLong();
    final AtomicLong crossThreadFrees = new AtomicLong();
    final Set<Thread> allocatingThreads = ConcurrentHashMap.newKeySet();
    final Set<Long> sizesSeen = ConcurrentHashMap.newKeySet();
    private final AtomicLongArray liveAddress;
    private final long[] liveSize;
    private final long[] ownerId;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment cells;
    private final boolean crossThread;

    Ledger(int slots, boolean crossThread) {
        this.cells = arena.allocate(slots * 16L, 16);
        this.liveAddress = new AtomicLongArray(slots);
        this.liveSize = new long[slots];
        this.ownerId = new long[slots];
        this.crossThread = crossThread;
    }

    Ledger(int slots) {
        this(slots, true);
    }

    @Override
    public String name() {
        return "ledger";
    }

    @Override
    public long allocate(int slot, long size) {
        long offset = slot * 16L;
        cells.set(ValueLayout.JAVA_LONG, offset, 0);
        long address = cells.address() + offset;
        liveSize[slot] = size;
        ownerId[slot] = Thread.currentThread().threadId();
        // The release of this CAS publishes size and owner to whichever thread frees the block.
        if (!liveAddress.compareAndSet(slot, 0, address)) {
            throw new AssertionError("slot " + slot + " allocated while still live");
        }
        allocations.incrementAndGet();
        Thread me = Thread.currentThread();
        if (!allocatingThreads.contains(me)) {
            allocatingThreads.add(me);
        }
        if (!sizesSeen.contains(size)) {
            sizesSeen.add(size);
        }
        return address;
    }

    @Override
    public void free(int slot, long address, long size) {
        long live = liveAddress.get(slot);
        if (live != address || liveSize[slot] != size) {
            throw new AssertionError("free of a block that is not live in slot " + slot);
        }
        if (cells.get(ValueLayout.JAVA_LONG, slot * 16L) != address) {
            throw new AssertionError("block of slot " + slot + " was never written");
        }
        if (ownerId[slot] != Thread.currentThread().threadId()) {
            crossThreadFrees.incrementAndGet();
        }
        if (!liveAddress.compareAndSet(slot, address, 0)) {
            throw new AssertionError("slot " + slot + " freed twice at once");
        }
        frees.incrementAndGet();
    }

    /** Blocks allocated and not freed. */
    int live() {
        int n = 0;
        for (int i = 0; i < liveAddress.length(); i++) {
            if (liveAddress.get(i) != 0) {
                n++;
            }
        }
        return n;
    }

    @Override
    public boolean crossThreadFree() {
        return crossThread;
    }

    @Override
    public void close() {
        arena.close();
    }
}
