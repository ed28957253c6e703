package dev.rseq.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PerCpuAllocatorTest {
    /** The allocator configurations every behaviour must hold for. */
    enum Variant {
        THREAD_CACHE,
        DIRECT,
        CAS,
        CHECKED;

        PerCpuAllocator build() {
            PerCpuAllocator.Builder b = PerCpuAllocator.builder().maintenanceInterval(null);
            return switch (this) {
                case THREAD_CACHE -> b.build();
                case DIRECT -> b.fastPath(FastPath.PER_CPU_DIRECT).build();
                case CAS -> b.forceCas(true).build();
                case CHECKED -> b.checked(true).build();
            };
        }
    }

    private final List<PerCpuAllocator> opened = new ArrayList<>();

    private PerCpuAllocator open(Variant v) {
        PerCpuAllocator a = v.build();
        opened.add(a);
        return a;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(PerCpuAllocator::close);
    }

    private static MemorySegment view(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void blocksNeverOverlapAndKeepTheirContents(Variant v) {
        PerCpuAllocator a = open(v);
        TreeMap<Long, Long> live = new TreeMap<>();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            if (live.isEmpty() || random.nextInt(5) < 3) {
                long size = random.nextInt(10) == 0 ? 1 + random.nextInt(600_000) : 1 + random.nextInt(2048);
                long p = a.allocate(size);
                assertTrue(a.usableSize(p) >= size);
                view(p, size).fill((byte) p);
                live.put(p, size);
            } else {
                Long p = random.nextBoolean() ? live.firstKey() : live.lastKey();
                long size = live.remove(p);
                MemorySegment m = view(p, size);
                assertEquals((byte) (long) p, m.get(ValueLayout.JAVA_BYTE, 0));
                assertEquals((byte) (long) p, m.get(ValueLayout.JAVA_BYTE, size - 1));
                if (random.nextBoolean()) {
                    a.free(p);
                } else {
                    a.free(p, size);
                }
            }
        }
        long prevEnd = 0;
        for (var e : live.entrySet()) {
            assertTrue(e.getKey() >= prevEnd, "overlap at " + Long.toHexString(e.getKey()));
            prevEnd = e.getKey() + a.usableSize(e.getKey());
        }
        long bytes = 0;
        for (var e : live.entrySet()) {
            bytes += a.usableSize(e.getKey());
        }
        assertEquals(bytes, a.stats().bytesInUse(), "in use = allocated - freed, size-class rounded");
        live.forEach((p, s) -> a.free(p));
        assertEquals(0, a.stats().bytesInUse());
        assertEquals(0, a.stats().objectsInUse());
    }

    @Test
    void sizesAndAlignmentsAreValidated() {
        PerCpuAllocator a = open(Variant.THREAD_CACHE);
        for (long bad : new long[] {0, -1, Long.MIN_VALUE, (1L << 40) + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.allocate(bad));
            assertTrue(e.getMessage().contains(Long.toString(bad)), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> a.allocateAligned(64, 3));
        assertThrows(IllegalArgumentException.class, () -> a.allocateAligned(64, 0));
        for (long align = 1; align <= 1 << 16; align <<= 1) {
            long p = a.allocateAligned(100, align);
            assertEquals(0, p % align, "aligned to " + align);
            a.free(p);
        }
    }

    @Test
    void arenaAndSegmentAllocatorHonourEveryAlignmentForSmallSizes() {
        PerCpuAllocator a = open(Variant.THREAD_CACHE);
        try (PerCpuArena arena = a.newConfinedArena();
                PerCpuArena raw = a.newUninitializedSharedArena()) {
            var segments = a.asSegmentAllocator();
            for (long size = 1; size <= 80; size++) {
                for (long align = 1; align <= 256; align <<= 1) {
                    for (var alloc : List.<java.lang.foreign.SegmentAllocator>of(arena, raw, segments)) {
                        MemorySegment s = alloc.allocate(size, align);
                        assertEquals(0, s.address() % align, size + " B aligned to " + align + " by " + alloc);
                        assertEquals(size, s.byteSize());
                        if (alloc == segments) {
                            a.free(s);
                        }
                    }
                }
            }
        }
    }

    @Test
    void foreignAndFreedAddressesAreRejectedByUnsizedFree() {
        PerCpuAllocator a = open(Variant.THREAD_CACHE);
        PerCpuAllocator other = open(Variant.THREAD_CACHE);
        long theirs = other.allocate(64);
        assertThrows(IllegalArgumentException.class, () -> a.free(theirs));
        a.free(0); // does nothing, as free(NULL) and Unsafe.freeMemory(0)
        try (Arena arena = Arena.ofConfined()) {
            long foreign = arena.allocate(64).address();
            assertThrows(IllegalArgumentException.class, () -> a.free(foreign));
        }
        long big = a.allocate(1 << 20);
        assertThrows(IllegalArgumentException.class, () -> a.free(big + 64), "interior of a large block");
        a.free(big);
        assertThrows(IllegalArgumentException.class, () -> a.free(big), "a freed large block");
        assertThrows(IllegalArgumentException.class, () -> a.usableSize(big));
    }

    @Test
    void checkedModeCatchesDoubleFreeInteriorPointersAndWrongSizes() {
        PerCpuAllocator a = open(Variant.CHECKED);
        long p = a.allocate(64);
        a.free(p);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> a.free(p));
        assertTrue(twice.getMessage().contains("double free"));
        long q = a.allocate(64);
        assertThrows(IllegalArgumentException.class, () -> a.free(q + 16), "interior pointer");
        assertThrows(IllegalArgumentException.class, () -> a.free(q, 4096), "wrong size class");
        a.free(q, 64);
        // the heap is intact afterwards
        long r = a.allocate(64);
        a.free(r, 64);
        assertEquals(0, a.stats().objectsInUse());
    }

    @Test
    void doubleFreesThatReachTheCentralTierAreReportedInAnyMode() {
        PerCpuAllocator a = PerCpuAllocator.builder()
                .fastPath(FastPath.PER_CPU_DIRECT)
                .maintenanceInterval(null)
                .build();
        opened.add(a);
        long p = a.allocate(64);
        a.free(p, 64);
        a.releaseMemory();
        assertThrows(
                RuntimeException.class,
                () -> {
                    a.free(p, 64);
                    a.releaseMemory();
                },
                "the second free is found when the block reaches its span");
    }

    @Test
    void useAfterCloseThrows() {
        PerCpuAllocator a = Variant.THREAD_CACHE.build();
        long p = a.allocate(64);
        a.free(p);
        a.close();
        assertThrows(IllegalStateException.class, () -> a.allocate(64));
        assertThrows(IllegalStateException.class, () -> a.free(p, 64));
        assertThrows(IllegalStateException.class, a::newConfinedArena);
        a.close(); // idempotent
        assertThrows(
                UnsupportedOperationException.class,
                () -> PerCpuAllocator.global().close());
    }

    @Test
    void confinedArenaFreesEverythingAndSegmentsDieWithIt() throws Exception {
        PerCpuAllocator a = open(Variant.THREAD_CACHE);
        MemorySegment kept;
        try (PerCpuArena arena = a.newConfinedArena()) {
            kept = arena.allocate(ValueLayout.JAVA_LONG, 100);
            kept.setAtIndex(ValueLayout.JAVA_LONG, 99, 42L);
            MemorySegment aligned = arena.allocate(256, 256);
            assertEquals(0, aligned.address() % 256);
            MemorySegment empty = arena.allocate(0);
            assertEquals(0, empty.byteSize());
            assertTrue(a.stats().bytesInUse() > 0);
            Thread other =
                    Thread.ofPlatform().start(() -> assertThrows(WrongThreadException.class, () -> arena.allocate(8)));
            other.join();
            assertEquals(3, arena.blockCount());
        }
        MemorySegment dead = kept;
        assertThrows(IllegalStateException.class, () -> dead.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0, a.stats().bytesInUse(), "close freed every block");
        PerCpuArena closed = a.newConfinedArena();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.allocate(8));
        assertThrows(IllegalStateException.class, closed::close);
    }

    @Test
    void sharedArenaTakesAllocationsFromManyThreads() throws Exception {
        PerCpuAllocator a = open(Variant.THREAD_CACHE);
        try (PerCpuArena arena = a.newSharedArena()) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                threads.add((id % 2 == 0 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                    for (int i = 0; i < 1000; i++) {
                        MemorySegment s = arena.allocate(24 + i % 100);
                        s.set(ValueLayout.JAVA_INT, 0, id);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(8000, arena.blockCount());
        }
        assertEquals(0, a.stats().bytesInUse());
    }

    @Test
    void agronaBuffersAndSegmentsWrapBlocks() {
        PerCpuAllocator a = open(Variant.THREAD_CACHE);
        UnsafeBuffer buffer = a.allocateBuffer(128);
        buffer.putLong(120, 7L);
        assertEquals(7L, buffer.getLong(120));
        a.freeBuffer(buffer);
        MemorySegment s = a.allocateSegment(40);
        assertEquals(40, s.byteSize());
        a.free(s);
        assertEquals(0, a.stats().bytesInUse());
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void bulkOperationsMoveWholeBatches(Variant v) {
        PerCpuAllocator a = open(v);
        long[] blocks = new long[1000];
        a.allocateBulk(96, blocks, 0, blocks.length);
        long[] sorted = blocks.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            assertTrue(sorted[i] - sorted[i - 1] >= 96, "distinct, non-overlapping");
        }
        for (long p : blocks) {
            view(p, 96).fill((byte) 1);
        }
        assertEquals(1000L * 96, a.stats().bytesInUse());
        a.freeBulk(blocks, 0, blocks.length, 96);
        assertEquals(0, a.stats().bytesInUse());
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void blocksCrossThreadsPlatformAndVirtual(Variant v) throws Exception {
        PerCpuAllocator a = open(v);
        int producers = 6;
        int perProducer = 20_000;
        java.util.concurrent.BlockingQueue<long[]> queue = new java.util.concurrent.ArrayBlockingQueue<>(1024);
        java.util.concurrent.atomic.AtomicLong bad = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < producers; t++) {
            int id = t;
            threads.add((id % 2 == 0 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                java.util.SplittableRandom random = new java.util.SplittableRandom(id);
                try {
                    for (int i = 0; i < perProducer; i++) {
                        long size = 1 + random.nextInt(id == 0 ? 300_000 : 1024);
                        long p = a.allocate(size);
                        view(p, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, p ^ size);
                        queue.put(new long[] {p, size});
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (int t = 0; t < producers; t++) {
            int id = t;
            threads.add((id % 2 == 1 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                try {
                    for (int i = 0; i < perProducer; i++) {
                        long[] block = queue.take();
                        if (view(block[0], 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != (block[0] ^ block[1])) {
                            bad.incrementAndGet();
                        }
                        if ((i & 1) == 0) {
                            a.free(block[0], block[1]);
                        } else {
                            a.free(block[0]);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, bad.get(), "every block kept its pattern");
        AllocatorStats s = a.stats();
        assertEquals(0, s.bytesInUse(), s.toString());
        assertEquals(0, s.objectsInUse());
        a.releaseMemory();
        AllocatorStats h = a.stats();
        assertEquals(h.heapMappedBytes(), h.heapInUseBytes() + h.heapFreeBytes() + h.heapUnbackedBytes());
    }

    @Test
    void releaseMemoryReturnsIdleMemoryToTheOs() {
        PerCpuAllocator a = open(Variant.THREAD_CACHE);
        long[] blocks = new long[20_000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = a.allocate(1024);
        }
        for (long p : blocks) {
            a.free(p);
        }
        long released = a.releaseMemory();
        AllocatorStats s = a.stats();
        assertTrue(released > 10_000_000L, "released " + released);
        assertEquals(0, s.cachedBytes(), s.toString());
        assertEquals(0, s.heapFreeBytes());
        assertTrue(s.releasedTotalBytes() >= released);
    }

    @Test
    void cachedMemoryIsBoundedWhateverTheThreadCount() throws Exception {
        PerCpuAllocator a = PerCpuAllocator.builder()
                .threadCacheBytes(64 * 1024)
                .maintenanceInterval(null)
                .build();
        opened.add(a);
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 200; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                long[] mine = new long[64];
                for (int i = 0; i < mine.length; i++) {
                    mine[i] = a.allocate(64);
                }
                for (long p : mine) {
                    a.free(p, 64);
                }
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        while (threads.stream()
                        .filter(t -> t.getState() == Thread.State.WAITING)
                        .count()
                < threads.size()) {
            Thread.sleep(5);
        }
        AllocatorStats s = a.stats();
        assertTrue(s.threadCaches() >= 200, s.toString());
        assertTrue(s.threadCacheBytes() <= 64 * 1024, "thread caches hold at most their budget: " + s);
        assertTrue(s.threadCacheClaimedBytes() <= 64 * 1024, s.toString());
        hold.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, a.stats().bytesInUse());
    }
}
