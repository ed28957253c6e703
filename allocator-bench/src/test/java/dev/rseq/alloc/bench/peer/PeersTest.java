package dev.rseq.alloc.bench.peer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rseq.alloc.bench.BenchAllocator;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every peer that can run here allocates usable memory and frees it; every peer that cannot
 * says why in one line. No timing.
 */
class PeersTest {
    private static final long[] SIZES = {1, 16, 100, 4096, 65536};

    static List<String> ids() {
        return Peers.ids();
    }

    @ParameterizedTest
    @MethodSource("ids")
    void availablePeersAllocateWritableMemoryAndFreeIt(String id) {
        Peer peer = Peers.byId(id);
        Availability a = peer.availability();
        assumeTrue(a.available(), a.message());
        try (BenchAllocator allocator = peer.open(SIZES.length * 2)) {
            assertFalse(allocator.name().isBlank());
            assumeTrue(allocator.realMemory(), "the floor rows hand out 16-byte cells, not blocks");
            long[] addresses = new long[SIZES.length];
            for (int i = 0; i < SIZES.length; i++) {
                addresses[i] = allocator.allocate(i, SIZES[i]);
                assertNotEquals(0, addresses[i], id + " returned null for " + SIZES[i] + " B");
                fill(addresses[i], SIZES[i], (byte) (i + 1));
            }
            // Write all first, then check all: blocks must not overlap.
            for (int i = 0; i < SIZES.length; i++) {
                check(addresses[i], SIZES[i], (byte) (i + 1));
                allocator.free(i, addresses[i], SIZES[i]);
            }
            // Freed memory is reusable.
            long again = allocator.allocate(0, 64);
            fill(again, 64, (byte) 7);
            check(again, 64, (byte) 7);
            allocator.free(0, again, 64);
        }
    }

    @ParameterizedTest
    @MethodSource("ids")
    void crossThreadPeersAcceptFreesFromAnotherThread(String id) throws Exception {
        Peer peer = Peers.byId(id);
        assumeTrue(peer.availability().available(), peer.availability().message());
        assumeTrue(peer.crossThreadFree(), "confined");
        try (BenchAllocator allocator = peer.open(4);
                var other = Executors.newSingleThreadExecutor()) {
            assertTrue(allocator.crossThreadFree());
            long address = allocator.allocate(3, 256);
            if (allocator.realMemory()) {
                fill(address, 256, (byte) 3);
            }
            CompletableFuture.runAsync(() -> allocator.free(3, address, 256), other)
                    .get();
        }
    }

    @Test
    void unavailablePeersExplainThemselvesOnOneLine() {
        for (Peer peer : Peers.all()) {
            Availability a = peer.availability();
            if (!a.available()) {
                assertTrue(a.message().startsWith(peer.id()), a.message());
                assertFalse(a.message().contains("\n"), a.message());
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> peer.open(1));
                assertEquals(a.message(), e.getMessage());
            }
        }
    }

    @Test
    void missingLibraryNamesItsPackage() {
        NativeSymbols.LibraryProbe probe = NativeSymbols.open("libno-such-allocator.so.9", "libno-such-allocator9");
        assertFalse(probe.loaded());
        assertTrue(
                probe.failure().contains("not found") && probe.failure().contains("libno-such-allocator9"),
                probe.failure());
    }

    @Test
    void jemallocWithoutPreloadPointsAtLdPreload() {
        assumeTrue(
                java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")),
                "libjemalloc2 not installed");
        assumeTrue(ProcessMalloc.identify() != ProcessMalloc.JEMALLOC, "running under LD_PRELOAD");
        Availability a = Peers.byId("jemalloc").availability();
        if (!a.available()) {
            assertTrue(a.message().contains("LD_PRELOAD"), a.message());
        }
    }

    @Test
    void mallocRowIsNamedAfterWhatRuns() {
        String name = Peers.byId("malloc").open(1).name();
        assertEquals(ProcessMalloc.identify().rowName(), name);
    }

    @Test
    void unknownIdListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Peers.byId("nope"));
        assertTrue(e.getMessage().contains("tcmalloc"));
    }

    @Test
    void floorRowsHandOutAWritableCellPerSlot() {
        for (String id : List.of("floor", "baseline")) {
            try (BenchAllocator a = Peers.byId(id).open(8)) {
                long first = a.allocate(0, 4096);
                long last = a.allocate(7, 64);
                assertEquals(7 * SlotCells.CELL, last - first, id);
                fill(first, 8, (byte) 1);
                fill(last, 8, (byte) 2);
                check(first, 8, (byte) 1);
                assertEquals(first, a.allocate(0, 16), id + ": the same cell for the same slot");
                a.free(0, first, 16);
                a.free(7, last, 64);
            }
        }
    }

    @Test
    void catalogNeedsNoProbe() {
        assertEquals(Peers.ids(), List.copyOf(Peers.descriptions().keySet()));
        assertTrue(Peers.catalog().contains("floor"));
        assertTrue(Peers.COMPARE_DEFAULT.stream().allMatch(Peers.ids()::contains));
        assertTrue(Peers.FOOTPRINT_DEFAULT.stream().allMatch(Peers.ids()::contains));
    }

    @Test
    void emptyDowncallSaysWhatItCalls() {
        EmptyDowncall.call();
        assertTrue(EmptyDowncall.LABEL.contains(EmptyDowncall.IS_RA_NOOP ? "ra_noop" : "stand-in"));
    }

    private static void fill(long address, long size, byte value) {
        MemorySegment.ofAddress(address).reinterpret(size).fill(value);
    }

    private static void check(long address, long size, byte value) {
        MemorySegment s = MemorySegment.ofAddress(address).reinterpret(size);
        assertEquals(value, s.get(JAVA_BYTE, 0));
        assertEquals(value, s.get(JAVA_BYTE, size - 1));
        assertEquals(value, s.get(JAVA_BYTE, size / 2));
    }
}
