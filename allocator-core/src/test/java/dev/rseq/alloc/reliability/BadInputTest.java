package dev.rseq.alloc.reliability;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.PerCpuArena;
import dev.rseq.alloc.stress.StressMode;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every public entry point with bad input gets the documented exception, and the heap is
 * intact afterwards (it still serves blocks and its accounting is exact).
 */
class BadInputTest {
    private static final long TIB = 1L << 40;
    private static final long[] BAD_SIZES = {0, -1, Long.MIN_VALUE, TIB + 1};
    private static final long[] BAD_ALIGNMENTS = {0, 3, -8, Long.MIN_VALUE, 48};

    private static PerCpuAllocator open(StressMode mode) {
        return mode.newAllocator(4, false);
    }

    /** Asserts an exception of {@code type} whose message names {@code value}. */
    private static void rejects(Class<? extends Throwable> type, long value, Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(
                t.getMessage() != null && t.getMessage().contains(Long.toString(value)),
                () -> "message does not name " + value + ": " + t.getMessage());
    }

    @ParameterizedTest
    @EnumSource(StressMode.class)
    void invalidSizesEverywhere(StressMode mode) {
        try (PerCpuAllocator a = open(mode)) {
            long block = a.allocate(64);
            long[] one = {block};
            for (long size : BAD_SIZES) {
                rejects(IllegalArgumentException.class, size, () -> a.allocate(size));
                rejects(IllegalArgumentException.class, size, () -> a.allocateAligned(size, 16));
                rejects(IllegalArgumentException.class, size, () -> a.allocateAligned(size, 1 << 20));
                rejects(IllegalArgumentException.class, size, () -> a.allocateBulk(size, new long[4], 0, 4));
                rejects(IllegalArgumentException.class, size, () -> a.allocateSegment(size));
                rejects(IllegalArgumentException.class, size, () -> a.free(block, size));
                rejects(IllegalArgumentException.class, size, () -> a.freeBulk(one, 0, 1, size));
            }
            for (int capacity : new int[] {0, -1, Integer.MIN_VALUE}) {
                rejects(IllegalArgumentException.class, capacity, () -> a.allocateBuffer(capacity));
            }
            try (PerCpuArena arena = a.newSharedArena()) {
                for (long size : new long[] {-1, Long.MIN_VALUE, TIB + 1}) {
                    rejects(IllegalArgumentException.class, size, () -> arena.allocate(size, 8));
                }
                assertEquals(0, arena.blockCount(), "a rejected arena allocation left a block behind");
            }
            a.free(block, 64); // still live: none of the rejected calls may have freed it
            HeapCheck.assertIntact(a);
        }
    }

    @ParameterizedTest
    @EnumSource(StressMode.class)
    void invalidAlignments(StressMode mode) {
        try (PerCpuAllocator a = open(mode);
                PerCpuArena arena = a.newConfinedArena()) {
            for (long alignment : BAD_ALIGNMENTS) {
                rejects(IllegalArgumentException.class, alignment, () -> a.allocateAligned(64, alignment));
                rejects(IllegalArgumentException.class, alignment, () -> a.allocateAligned(1 << 20, alignment));
                rejects(IllegalArgumentException.class, alignment, () -> arena.allocate(64, alignment));
            }
            HeapCheck.assertIntact(a);
        }
    }

    @ParameterizedTest
    @EnumSource(StressMode.class)
    void addressesThatAreNotBlocksOfThisAllocator(StressMode mode) throws Throwable {
        try (PerCpuAllocator a = open(mode);
                PerCpuAllocator other = open(mode)) {
            long foreign = malloc(64);
            long otherBlock = other.allocate(64);
            long otherLarge = other.allocate(1 << 20);
            long large = a.allocate(1 << 20);
            try {
                for (long bad : new long[] {-1, 8, foreign, otherBlock, otherLarge, Long.MAX_VALUE, Long.MIN_VALUE}) {
                    assertThrows(
                            IllegalArgumentException.class, () -> a.free(bad), "free(0x" + Long.toHexString(bad) + ")");
                    assertThrows(IllegalArgumentException.class, () -> a.usableSize(bad));
                }
                for (long bad : new long[] {-1, 8, large + 1, large + 3, foreign, otherBlock}) {
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> a.free(bad, 64),
                            "free(0x" + Long.toHexString(bad) + ", 64)");
                    assertThrows(IllegalArgumentException.class, () -> a.freeBulk(new long[] {bad}, 0, 1, 64));
                }
                // Inside a large block: always checked (the page map knows where it starts).
                assertThrows(IllegalArgumentException.class, () -> a.free(large + 8192));
                assertThrows(IllegalArgumentException.class, () -> a.free(large + 8192, 1 << 20));
                assertThrows(IllegalArgumentException.class, () -> a.usableSize(large + 8192));
                assertThrows(IllegalArgumentException.class, () -> a.usableSize(0));
                assertDoesNotThrow(() -> a.free(0), "free(0) does nothing, as free(3) and freeMemory(0)");
                assertDoesNotThrow(() -> a.free(0, 64));
                assertDoesNotThrow(() -> a.free(0, 1 << 20));
                assertDoesNotThrow(() -> a.free(0, 0), "free(0, any size) does nothing");
                assertDoesNotThrow(() -> a.free(0, -1));
                assertThrows(
                        IllegalArgumentException.class,
                        () -> a.asSegmentAllocator().allocate(8, 0),
                        "SegmentAllocator's contract: a non-power-of-two alignment is refused");
                assertThrows(
                        IllegalArgumentException.class,
                        () -> a.asSegmentAllocator().allocate(8, 3));
                assertDoesNotThrow(() -> a.free(MemorySegment.NULL));
                assertThrows(IllegalArgumentException.class, () -> a.freeBuffer(new UnsafeBuffer(new byte[64])));
                a.free(large);
                // A large block freed twice: its pages are no longer a live span.
                assertThrows(IllegalArgumentException.class, () -> a.free(large));
                HeapCheck.assertIntact(a);
            } finally {
                free(foreign);
                other.free(otherBlock);
                other.free(otherLarge);
            }
            HeapCheck.assertIntact(other);
        }
    }

    @Test
    void checkedModeCatchesMisuseAtTheCall() {
        try (PerCpuAllocator a = open(StressMode.CHECKED);
                PerCpuAllocator other = open(StressMode.CHECKED)) {
            long p = a.allocate(64);
            long q = other.allocate(64);
            assertThrows(IllegalArgumentException.class, () -> a.free(p + 16), "interior pointer, unsized");
            assertThrows(IllegalArgumentException.class, () -> a.free(p + 16, 48), "interior pointer, sized");
            assertThrows(IllegalArgumentException.class, () -> a.free(p + 1), "odd address, unsized");
            assertThrows(IllegalArgumentException.class, () -> a.free(p, 4096), "wrong size class");
            assertThrows(IllegalArgumentException.class, () -> a.free(q, 64), "another instance's block, sized");
            a.free(p, 64);
            assertThrows(IllegalStateException.class, () -> a.free(p), "double free, unsized");
            assertThrows(IllegalStateException.class, () -> a.free(p, 64), "double free, sized");
            long[] bulk = new long[4];
            a.allocateBulk(100, bulk, 0, 4);
            a.freeBulk(bulk, 0, 4, 100);
            assertThrows(IllegalStateException.class, () -> a.freeBulk(bulk, 0, 4, 100), "double free, bulk");
            other.free(q);
            HeapCheck.assertIntact(a);
            HeapCheck.assertIntact(other);
        }
    }

    /** In default mode too a double free is caught at the call, sized or not, single or bulk. */
    @ParameterizedTest
    @EnumSource(
            value = StressMode.class,
            names = {"THREAD_CACHE", "DIRECT", "CAS"})
    void doubleFreeIsCaughtAtTheCallInEveryMode(StressMode mode) {
        try (PerCpuAllocator a = open(mode)) {
            long p = a.allocate(64);
            long q = a.allocate(64);
            a.free(p, 64);
            assertThrows(IllegalStateException.class, () -> a.free(p, 64), "double free, sized");
            assertThrows(IllegalStateException.class, () -> a.free(p), "double free, unsized");
            a.free(q);
            long[] bulk = new long[4];
            a.allocateBulk(100, bulk, 0, 4);
            a.freeBulk(bulk, 0, 4, 100);
            assertThrows(IllegalStateException.class, () -> a.freeBulk(bulk, 0, 4, 100), "double free, bulk");
            HeapCheck.assertIntact(a);
        }
    }

    /**
     * Every block was back, so close() gave the reservation and its tag array back to the OS:
     * stale frees and lookups must fail before they read either.
     */
    @ParameterizedTest
    @EnumSource(StressMode.class)
    void staleCallsAfterACloseThatUnmappedTheHeapThrow(StressMode mode) {
        PerCpuAllocator a = open(mode);
        long small = a.allocate(64);
        long large = a.allocate(1 << 20);
        a.free(small, 64);
        a.free(large);
        a.close();
        assertTrue(!a.keptMappedAfterClose(), "no block was out: the heap is unmapped");
        assertThrows(IllegalStateException.class, () -> a.free(small, 64));
        assertThrows(IllegalStateException.class, () -> a.free(small));
        assertThrows(IllegalStateException.class, () -> a.free(small + 16));
        assertThrows(IllegalStateException.class, () -> a.free(large));
        assertThrows(IllegalStateException.class, () -> a.freeBulk(new long[] {small}, 0, 1, 64));
        assertThrows(IllegalStateException.class, () -> a.usableSize(small));
    }

    @ParameterizedTest
    @EnumSource(StressMode.class)
    void closedAllocatorRejectsEverything(StressMode mode) {
        PerCpuAllocator a = open(mode);
        long small = a.allocate(64);
        long large = a.allocate(1 << 20);
        a.close();
        assertThrows(IllegalStateException.class, () -> a.allocate(64));
        assertThrows(IllegalStateException.class, () -> a.allocate(1 << 20));
        assertThrows(IllegalStateException.class, () -> a.allocateAligned(64, 4096));
        assertThrows(IllegalStateException.class, () -> a.allocateAligned(64, 1 << 16));
        assertThrows(IllegalStateException.class, () -> a.allocateBulk(64, new long[4], 0, 4));
        assertThrows(IllegalStateException.class, () -> a.allocateSegment(64));
        assertThrows(IllegalStateException.class, () -> a.allocateBuffer(64));
        assertThrows(IllegalStateException.class, () -> a.free(small));
        assertThrows(IllegalStateException.class, () -> a.free(small, 64));
        assertThrows(IllegalStateException.class, () -> a.freeBulk(new long[] {small}, 0, 1, 64));
        assertThrows(IllegalStateException.class, () -> a.free(large));
        assertThrows(IllegalStateException.class, () -> a.free(small + 16));
        assertThrows(IllegalStateException.class, () -> a.usableSize(small));
        assertThrows(IllegalStateException.class, a::releaseMemory);
        assertThrows(IllegalStateException.class, a::newConfinedArena);
        assertThrows(IllegalStateException.class, a::newSharedArena);
        assertTrue(a.isClosed());
        assertDoesNotThrow(a::close, "close is idempotent");
        assertThrows(
                UnsupportedOperationException.class,
                () -> PerCpuAllocator.global().close());
    }

    @ParameterizedTest
    @EnumSource(StressMode.class)
    void closedArenaRejectsEverythingAndFreesOnce(StressMode mode) {
        try (PerCpuAllocator a = open(mode)) {
            PerCpuArena arena = a.newSharedArena();
            MemorySegment s = arena.allocate(100, 64);
            MemorySegment big = arena.allocate(1 << 20, 1 << 16);
            s.set(ValueLayout.JAVA_LONG, 0, 42);
            arena.close();
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalStateException.class, () -> big.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            assertThrows(IllegalStateException.class, () -> arena.allocate(8));
            assertThrows(IllegalStateException.class, arena::close, "second close");
            assertEquals(0, a.stats().largeBytesInUse(), "the arena's large block was not freed");
            HeapCheck.assertIntact(a); // freed exactly once: a second free would have been reported
        }
    }

    @Test
    void confinedArenaRejectsOtherThreads() throws Exception {
        try (PerCpuAllocator a = open(StressMode.THREAD_CACHE)) {
            PerCpuArena arena = a.newConfinedArena();
            MemorySegment s = arena.allocate(64);
            AtomicReference<Throwable> access = new AtomicReference<>();
            AtomicReference<Throwable> close = new AtomicReference<>();
            AtomicReference<Throwable> alloc = new AtomicReference<>();
            Thread t = new Thread(() -> {
                access.set(catching(() -> s.get(ValueLayout.JAVA_BYTE, 0)));
                close.set(catching(arena::close));
                alloc.set(catching(() -> arena.allocate(8)));
            });
            t.start();
            t.join();
            assertTrue(access.get() instanceof WrongThreadException, String.valueOf(access.get()));
            assertTrue(close.get() instanceof WrongThreadException, String.valueOf(close.get()));
            assertTrue(alloc.get() instanceof WrongThreadException, String.valueOf(alloc.get()));
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // still open for its owner
            arena.close();
            HeapCheck.assertIntact(a);
        }
    }

    private static Throwable catching(Executable e) {
        try {
            e.execute();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));

    private static long malloc(long size) throws Throwable {
        return (long) MALLOC.invokeExact(size);
    }

    private static void free(long address) throws Throwable {
        FREE.invokeExact(address);
    }
}
