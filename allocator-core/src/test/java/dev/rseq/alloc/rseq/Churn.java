package dev.rseq.alloc.rseq;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.sizeclass.SizeClasses;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The allocator workload of a scenario: threads allocate blocks, fill them with a pattern
 * derived from a per-block seed, and either keep them or hand them to a shared exchange
 * from which any other thread (platform or virtual, rseq or CAS) verifies and frees them.
 * Every block is checked when freed; a live-address set catches a block handed out twice.
 */
final class Churn {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int EXCHANGE_LIMIT = 4096;
    private static final int LOCAL_LIMIT = 64;

    /** A live block: where, how big, the seed of its pattern, who allocated it, and whether by rseq. */
    record Block(long address, long size, long seed, long owner, boolean byRseq) {}

    private final PerCpuAllocator allocator;
    private final List<String> errors;
    private final ConcurrentLinkedQueue<Block> exchange = new ConcurrentLinkedQueue<>();
    private final AtomicInteger exchanged = new AtomicInteger();
    private final Set<Long> live = ConcurrentHashMap.newKeySet();
    final LongAdder allocations = new LongAdder();
    final LongAdder frees = new LongAdder();
    final LongAdder crossThreadFrees = new LongAdder();
    /** Frees by an rseq thread of a block a CAS thread allocated, or the reverse. */
    final LongAdder crossModeFrees = new LongAdder();

    final LongAdder largeBlocks = new LongAdder();

    Churn(PerCpuAllocator allocator, List<String> errors) {
        this.allocator = allocator;
        this.errors = errors;
    }

    /** {@code ops} random allocate/free steps on the calling thread; frees what it kept at the end. */
    void run(int ops, long seed, boolean yieldOften) {
        Random rnd = new Random(seed);
        // A platform thread's mode is fixed once attached; a virtual thread's carriers all share
        // one mode in these scenarios (only the dedicated foreign platform thread differs).
        boolean rseq = RseqNative.attachCurrentThread().usesRseq();
        ArrayDeque<Block> mine = new ArrayDeque<>();
        for (int i = 0; i < ops; i++) {
            if ((i & 255) == 0 && !errors.isEmpty()) {
                break; // already failed: stop, keep the first error readable
            }
            int r = rnd.nextInt(100);
            if (r < 50) {
                Block b = allocate(rnd, rseq);
                if (rnd.nextBoolean() && exchanged.get() < EXCHANGE_LIMIT) {
                    exchanged.incrementAndGet();
                    exchange.offer(b);
                } else {
                    mine.push(b);
                }
            } else if (r < 80) {
                Block b = exchange.poll();
                if (b != null) {
                    exchanged.decrementAndGet();
                    release(b, rnd, rseq);
                } else if (!mine.isEmpty()) {
                    release(mine.pop(), rnd, rseq);
                }
            } else if (!mine.isEmpty()) {
                release(rnd.nextBoolean() ? mine.pop() : mine.removeLast(), rnd, rseq);
            }
            if (mine.size() > LOCAL_LIMIT) {
                release(mine.removeLast(), rnd, rseq);
            }
            if (yieldOften && (i & 15) == 0) {
                Thread.yield(); // a virtual thread may come back on another carrier
            }
        }
        while (!mine.isEmpty()) {
            release(mine.pop(), rnd, rseq);
        }
    }

    /** Frees whatever is left in the exchange (called once the workers are done). */
    void drainExchange() {
        Random rnd = new Random(7);
        boolean rseq = RseqNative.attachCurrentThread().usesRseq();
        for (Block b; (b = exchange.poll()) != null; ) {
            release(b, rnd, rseq);
        }
    }

    private Block allocate(Random rnd, boolean rseq) {
        int r = rnd.nextInt(1000);
        long size = r < 900
                ? 1 + rnd.nextInt(1024)
                : r < 998 ? 1025 + rnd.nextInt(64 * 1024) : SizeClasses.MAX_SMALL_SIZE + 1 + rnd.nextInt(256 * 1024);
        long address = allocator.allocate(size);
        allocations.increment();
        if (size > SizeClasses.MAX_SMALL_SIZE) {
            largeBlocks.increment();
        }
        long align = size <= 8 ? 8 : 16;
        if (address == 0 || address % align != 0) {
            errors.add("allocate(" + size + ") returned misaligned 0x" + Long.toHexString(address));
        }
        if (!live.add(address)) {
            errors.add("block 0x" + Long.toHexString(address) + " handed out while still live (" + size + " B)");
        }
        Block b =
                new Block(address, size, rnd.nextLong(), Thread.currentThread().threadId(), rseq);
        fill(b);
        return b;
    }

    private void release(Block b, Random rnd, boolean rseq) {
        verify(b);
        if (b.owner() != Thread.currentThread().threadId()) {
            crossThreadFrees.increment();
        }
        if (b.byRseq() != rseq) {
            crossModeFrees.increment();
        }
        // Out of the live set before free: once freed, another thread may get the address back.
        if (!live.remove(b.address())) {
            errors.add("block 0x" + Long.toHexString(b.address()) + " freed but not live");
        }
        if (rnd.nextBoolean()) {
            allocator.free(b.address(), b.size());
        } else {
            allocator.free(b.address());
        }
        frees.increment();
    }

    private static MemorySegment segment(Block b) {
        return MemorySegment.ofAddress(b.address()).reinterpret(b.size());
    }

    private static void fill(Block b) {
        MemorySegment s = segment(b);
        long words = b.size() >>> 3;
        for (long i = 0; i < words; i++) {
            s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, b.seed() + i * GOLDEN);
        }
        for (long j = words << 3; j < b.size(); j++) {
            s.set(ValueLayout.JAVA_BYTE, j, (byte) (b.seed() + j));
        }
    }

    private void verify(Block b) {
        MemorySegment s = segment(b);
        long words = b.size() >>> 3;
        for (long i = 0; i < words; i++) {
            long v = s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
            if (v != b.seed() + i * GOLDEN) {
                errors.add("block 0x" + Long.toHexString(b.address()) + " (" + b.size() + " B, allocated by thread "
                        + b.owner() + ") corrupted at word " + i + ": 0x" + Long.toHexString(v));
                return;
            }
        }
        for (long j = words << 3; j < b.size(); j++) {
            if (s.get(ValueLayout.JAVA_BYTE, j) != (byte) (b.seed() + j)) {
                errors.add("block 0x" + Long.toHexString(b.address()) + " corrupted at byte " + j);
                return;
            }
        }
    }
}
