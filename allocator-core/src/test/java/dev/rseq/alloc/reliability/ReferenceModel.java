package dev.rseq.alloc.reliability;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stress.BlockPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a single-threaded user knows about its allocator: the live blocks (address to
 * requested size, usable size, pattern owner), and what follows from them. {@link #check}
 * compares that with the real allocator after every step.
 */
final class ReferenceModel {
    /** A live block. {@code arena} is -1 for a block freed by the user, else the arena's id. */
    record Entry(long size, long usable, long owner, boolean aligned, int arena) {}

    final TreeMap<Long, Entry> live = new TreeMap<>();
    private long nextOwner;

    /** Records and fills a new block; an address that is already live is a failure. */
    void add(long address, long size, long usable, boolean aligned, int arena) {
        if (live.containsKey(address)) {
            throw new AssertionError("0x" + Long.toHexString(address) + " handed out while live");
        }
        if (usable < size) {
            throw new AssertionError("usable size " + usable + " < requested " + size);
        }
        long owner = nextOwner++;
        BlockPattern.fill(address, size, owner);
        live.put(address, new Entry(size, usable, owner, aligned, arena));
    }

    /** The user's blocks (not arena blocks), in address order. */
    List<Long> userBlocks() {
        List<Long> out = new ArrayList<>();
        for (Map.Entry<Long, Entry> e : live.entrySet()) {
            if (e.getValue().arena() < 0) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Verifies a block's contents and forgets it (before the real free). */
    Entry remove(long address) {
        Entry e = live.remove(address);
        long bad = BlockPattern.firstMismatch(address, e.size(), e.owner());
        if (bad >= 0) {
            throw new AssertionError("0x" + Long.toHexString(address) + " changed at offset " + bad);
        }
        return e;
    }

    /** Every invariant between the model and the allocator (single thread, no maintenance). */
    void check(PerCpuAllocator a) {
        long prevEnd = 0;
        long smallObjects = 0;
        long bytes = 0;
        long large = 0;
        for (Map.Entry<Long, Entry> me : live.entrySet()) {
            long address = me.getKey();
            Entry e = me.getValue();
            if (address < prevEnd) {
                throw new AssertionError("live blocks overlap at 0x" + Long.toHexString(address));
            }
            prevEnd = address + e.usable();
            long bad = BlockPattern.firstMismatch(address, e.size(), e.owner());
            if (bad >= 0) {
                throw new AssertionError("0x" + Long.toHexString(address) + " (" + e + ") changed at offset " + bad);
            }
            if (a.usableSize(address) != e.usable()) {
                throw new AssertionError("usableSize changed for 0x" + Long.toHexString(address));
            }
            bytes += e.usable();
            if (e.usable() > SizeClasses.MAX_SMALL_SIZE) {
                large += e.usable();
            } else {
                smallObjects++;
            }
        }
        AllocatorStats s = a.stats();
        assertEq("objectsInUse", smallObjects, s.objectsInUse(), s);
        assertEq("bytesInUse", bytes, s.bytesInUse(), s);
        assertEq("largeBytesInUse", large, s.largeBytesInUse(), s);
        assertEq(
                "page heap mapped",
                s.heapMappedBytes(),
                s.heapInUseBytes() + s.heapFreeBytes() + s.heapUnbackedBytes(),
                s);
    }

    private static void assertEq(String what, long expected, long actual, AllocatorStats s) {
        if (expected != actual) {
            throw new AssertionError(what + ": model says " + expected + ", allocator says " + actual + "\n" + s);
        }
    }
}
