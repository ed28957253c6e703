package dev.rseq.alloc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.PerCpuArena;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every misuse a user reported against the default mode (no checked mode), one test per
 * row of the report: each gives a clear exception or is harmless, and afterwards no block
 * is handed out twice or overlapping and the accounting is exact.
 */
class DefaultModeSafetyTest {
    /** Address-space behaviour is the OS memory's; JDK memory (the no-native CI run) commits up front. */
    private static void assumeOsMemory() {
        try (PerCpuAllocator a = open()) {
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    a.memorySource() == dev.rseq.alloc.MemorySource.OS, "needs memory from mmap");
        }
    }

    private static PerCpuAllocator open() {
        return PerCpuAllocator.builder().maintenanceInterval(null).build();
    }

    /** Asserts that {@code n} fresh blocks of {@code size} are distinct and overlap none of {@code live}. */
    private static long[] freshBlocksAvoid(PerCpuAllocator a, long size, int n, TreeMap<Long, Long> live) {
        long[] got = new long[n];
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            long p = a.allocate(size);
            assertTrue(seen.add(p), "0x" + Long.toHexString(p) + " handed out twice");
            var below = live.floorEntry(p + size - 1);
            assertTrue(
                    below == null || below.getKey() + below.getValue() <= p,
                    "0x" + Long.toHexString(p) + " overlaps a live block");
            assertEquals(0, p & 7, "blocks stay aligned");
            got[i] = p;
        }
        return got;
    }

    private static void freeAll(PerCpuAllocator a, long[] blocks, long size) {
        for (long p : blocks) {
            a.free(p, size);
        }
    }

    @Test
    void doubleFreeSizedOrUnsizedThrowsAndNothingIsHandedOutTwice() {
        try (PerCpuAllocator a = open()) {
            long p = a.allocate(64);
            a.free(p, 64);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.free(p, 64));
            assertTrue(e.getMessage().contains("double free"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> a.free(p));
            long x = a.allocate(64);
            long y = a.allocate(64);
            assertNotEquals(x, y, "the next two allocations are distinct");
            a.free(x, 64);
            a.free(y, 64);
            HeapCheck.assertIntact(a);
        }
    }

    @Test
    void interiorPointersAreRejectedAndTheLiveBlockIsNeverOverlapped() {
        try (PerCpuAllocator a = open()) {
            long p = a.allocate(64);
            assertThrows(IllegalArgumentException.class, () -> a.free(p + 16));
            assertThrows(IllegalArgumentException.class, () -> a.free(p + 16, 64));
            assertThrows(IllegalArgumentException.class, () -> a.free(p + 8, 64));
            TreeMap<Long, Long> live = new TreeMap<>();
            live.put(p, 64L);
            freeAll(a, freshBlocksAvoid(a, 64, 1000, live), 64);
            a.free(p, 64);
            HeapCheck.assertIntact(a);
        }
    }

    @Test
    void foreignMemoryFromMallocOrAJdkArenaIsRejected() throws Throwable {
        try (PerCpuAllocator a = open();
                Arena jdk = Arena.ofConfined()) {
            long m = (long) MALLOC.invokeExact(64L);
            long fromArena = jdk.allocate(64).address();
            try {
                assertThrows(IllegalArgumentException.class, () -> a.free(m, 64));
                assertThrows(IllegalArgumentException.class, () -> a.free(m));
                assertThrows(IllegalArgumentException.class, () -> a.free(fromArena, 64));
                for (long q : freshBlocksAvoid(a, 64, 1000, new TreeMap<>())) {
                    assertNotEquals(m, q, "malloc's block was handed out as ours");
                    assertNotEquals(fromArena, q);
                    a.free(q, 64);
                }
            } finally {
                FREE.invokeExact(m);
            }
            HeapCheck.assertIntact(a);
        }
    }

    @Test
    void aWildAddressIsRejectedWithoutBeingTouched() {
        try (PerCpuAllocator a = open()) {
            assertThrows(IllegalArgumentException.class, () -> a.free(0x1000, 64));
            assertThrows(IllegalArgumentException.class, () -> a.free(0x1000));
            long q = a.allocate(64);
            assertNotEquals(0x1000, q);
            MemorySegment.ofAddress(q).reinterpret(64).fill((byte) 1); // no SIGSEGV: it is ours
            a.free(q, 64);
            HeapCheck.assertIntact(a);
        }
    }

    @Test
    void aFreeWithTheSizeOfAnotherClassIsRejected() {
        try (PerCpuAllocator a = open()) {
            long small = a.allocate(8);
            long[] neighbours = new long[7];
            for (int i = 0; i < neighbours.length; i++) {
                neighbours[i] = a.allocate(8);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.free(small, 64));
            assertTrue(e.getMessage().contains("8 B"), e.getMessage());
            long big = a.allocate(1 << 20);
            assertThrows(IllegalArgumentException.class, () -> a.free(big, 64));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> a.free(big, 512 * 1024),
                    "a large block freed with another large size");
            assertEquals(1 << 20, a.stats().largeBytesInUse(), "the large block is still in use, once");
            a.free(big, 1 << 20);
            a.free(small, 8);
            freeAll(a, neighbours, 8);
            HeapCheck.assertIntact(a);
        }
    }

    @Test
    void closeWithAnOpenArenaIsRefusedAndItsSegmentsStayReadable() {
        PerCpuAllocator a = open();
        PerCpuArena arena = a.newConfinedArena();
        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, 4);
        s.set(ValueLayout.JAVA_LONG, 0, 42);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::close);
        assertTrue(e.getMessage().contains("arena"), e.getMessage());
        assertEquals(42, s.get(ValueLayout.JAVA_LONG, 0), "the segment survived the refused close");
        long p = a.allocate(64); // and the allocator is still usable
        a.free(p);
        arena.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_LONG, 0));
        a.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_LONG, 0));
    }

    @Test
    void segmentsOfTheAllocatorsScopeDieWithIt() {
        PerCpuAllocator a = open();
        MemorySegment s = a.allocateSegment(64);
        MemorySegment t = a.asSegmentAllocator().allocate(ValueLayout.JAVA_LONG);
        s.set(ValueLayout.JAVA_LONG, 0, 1);
        t.set(ValueLayout.JAVA_LONG, 0, 2);
        a.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> t.set(ValueLayout.JAVA_LONG, 0, 3));
        assertTrue(a.keptMappedAfterClose(), "blocks were still out: the address space stays mapped");
    }

    /**
     * The report's "close() while 4 threads allocate, write and free: SIGSEGV in 6 runs of
     * 6": each thread must stop with an IllegalStateException soon after the close (its
     * next free finds the page tags cleared), and no write to a block it still held may
     * fault (close keeps the heap mapped while blocks are out).
     */
    @Test
    void closeWhileThreadsAllocateWriteAndFreeStopsThemWithAnException() throws Exception {
        for (int round = 0; round < 6; round++) {
            PerCpuAllocator a = PerCpuAllocator.builder().build();
            int n = 4;
            java.util.concurrent.CountDownLatch warm = new java.util.concurrent.CountDownLatch(n);
            java.util.concurrent.atomic.AtomicReference<Throwable> unexpected =
                    new java.util.concurrent.atomic.AtomicReference<>();
            long[] stoppedAt = new long[n];
            Thread[] threads = new Thread[n];
            for (int i = 0; i < n; i++) {
                int id = i;
                threads[i] = Thread.ofPlatform().start(() -> {
                    byte mark = (byte) (id + 1);
                    long ops = 0;
                    try {
                        while (true) {
                            long p = a.allocate(64);
                            MemorySegment s = MemorySegment.ofAddress(p).reinterpret(64);
                            s.fill(mark);
                            if (s.get(ValueLayout.JAVA_BYTE, 63) != mark) {
                                throw new AssertionError("block changed under its owner");
                            }
                            a.free(p, 64);
                            if (++ops == 10_000) {
                                warm.countDown();
                            }
                        }
                    } catch (IllegalStateException expected) {
                        stoppedAt[id] = System.nanoTime();
                    } catch (Throwable t) {
                        unexpected.compareAndSet(null, t);
                        warm.countDown();
                    }
                });
            }
            warm.await();
            long closedAt = System.nanoTime();
            a.close();
            for (Thread t : threads) {
                t.join(10_000);
                assertTrue(!t.isAlive(), "a thread kept allocating 10 s after close()");
            }
            if (unexpected.get() != null) {
                throw new AssertionError(
                        "a thread failed with something other than IllegalStateException", unexpected.get());
            }
            for (long at : stoppedAt) {
                assertTrue(
                        at - closedAt < 2_000_000_000L,
                        "a thread stopped " + (at - closedAt) / 1_000_000 + " ms after close()");
            }
            assertThrows(IllegalStateException.class, () -> a.allocate(64));
        }
    }

    @Test
    void aHugeRequestIsQuickAndCostsNoJavaHeapForThePageMap() {
        assumeOsMemory();
        try (PerCpuAllocator a = open()) {
            Runtime rt = Runtime.getRuntime();
            System.gc();
            long heapBefore = rt.totalMemory() - rt.freeMemory();
            long t0 = System.nanoTime();
            long p = a.allocate(1L << 40);
            long took = System.nanoTime() - t0;
            long heapAfter = rt.totalMemory() - rt.freeMemory();
            assertTrue(took < 200_000_000L, "allocate(1 TiB) took " + took / 1_000_000 + " ms");
            assertTrue(heapAfter - heapBefore < 64L << 20, "Java heap grew by " + (heapAfter - heapBefore));
            assertEquals(1L << 40, a.usableSize(p));
            a.free(p);
            assertEquals(0, a.stats().largeBytesInUse());
            HeapCheck.assertIntact(a);
        }
    }

    @Test
    void hugeAlignmentsKeepNoExtraAddressSpace() throws Exception {
        assumeOsMemory();
        try (PerCpuAllocator a = open()) {
            long before = vmSizeKb();
            // 40 blocks at once, each on its own 1 TiB boundary: if each kept its 1 TiB of
            // over-mapping the process would hold 40 TiB more address space.
            long[] blocks = new long[40];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = a.allocateAligned(64, 1L << 40);
                assertEquals(0, blocks[i] & ((1L << 40) - 1));
            }
            long grown = vmSizeKb() - before;
            assertTrue(grown < 1L << 20, "40 aligned blocks hold " + grown + " KiB of address space");
            for (long p : blocks) {
                a.free(p);
            }
            HeapCheck.assertIntact(a);
        }
    }

    @Test
    void buildAndCloseCyclesReturnTheirAddressSpace() throws Exception {
        assumeOsMemory();
        for (int i = 0; i < 50; i++) {
            cycle();
        }
        long before = vmSizeKb();
        for (int i = 0; i < 2000; i++) {
            cycle();
        }
        long grown = vmSizeKb() - before;
        assertTrue(grown < 256 * 1024, "2,000 build/close cycles grew the address space by " + grown + " KiB");
    }

    private static void cycle() {
        try (PerCpuAllocator a = open()) {
            a.free(a.allocate(64));
            a.free(a.allocate(100_000));
        }
    }

    private static long vmSizeKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmSize:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmSize");
    }

    @Test
    void runningOutOfTheReservationThrowsAndFreesMakeItUsableAgain() {
        assumeOsMemory();
        try (PerCpuAllocator a = PerCpuAllocator.builder()
                .maintenanceInterval(null)
                .heapReserveBytes(32L << 20)
                .growBytes(4L << 20)
                .dedicatedMappingBytes(1L << 40)
                .build()) {
            java.util.List<Long> blocks = new java.util.ArrayList<>();
            assertThrows(OutOfMemoryError.class, () -> {
                while (true) {
                    blocks.add(a.allocate(1 << 20));
                }
            });
            for (long p : blocks) {
                a.free(p);
            }
            long again = a.allocate(1 << 20);
            a.free(again);
            HeapCheck.assertIntact(a);
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));
}
