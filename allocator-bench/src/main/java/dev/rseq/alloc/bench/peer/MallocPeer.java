package dev.rseq.alloc.bench.peer;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rseq.alloc.bench.BenchAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The process's {@code malloc}/{@code free} (glibc, unless something is LD_PRELOADed; the
 * row is named after what runs). glibc has no sized free, so the size is dropped.
 */
final class MallocPeer implements BenchAllocator {
    // static final so the JIT treats the handles as constants and inlines the downcall.
    private static final MethodHandle MALLOC = NativeSymbols.critical(
            NativeSymbols.global("malloc").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FREE =
            NativeSymbols.critical(NativeSymbols.global("free").orElseThrow(), FunctionDescriptor.ofVoid(JAVA_LONG));

    /** struct mallinfo2: ten size_t fields; we read arena (0) and hblkhd (4). */
    private static final StructLayout MALLINFO2_LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("arena"),
            JAVA_LONG.withName("ordblks"),
            JAVA_LONG.withName("smblks"),
            JAVA_LONG.withName("hblks"),
            JAVA_LONG.withName("hblkhd"),
            JAVA_LONG.withName("usmblks"),
            JAVA_LONG.withName("fsmblks"),
            JAVA_LONG.withName("uordblks"),
            JAVA_LONG.withName("fordblks"),
            JAVA_LONG.withName("keepcost"));

    private static final ProcessMalloc WHICH = ProcessMalloc.identify();
    /** glibc's statistics; null when another allocator interposed malloc. */
    private static final MethodHandle MALLINFO2 = WHICH != ProcessMalloc.GLIBC
            ? null
            : NativeSymbols.global("mallinfo2")
                    .map(f -> NativeSymbols.plain(f, FunctionDescriptor.of(MALLINFO2_LAYOUT)))
                    .orElse(null);

    @Override
    public String name() {
        return WHICH.rowName();
    }

    @Override
    public long allocate(int slot, long size) {
        try {
            return (long) MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void free(int slot, long address, long size) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public HeldMemory heldMemory() {
        if (MALLINFO2 == null) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) MALLINFO2.invokeExact((SegmentAllocator) arena);
            long fromOs = info.getAtIndex(JAVA_LONG, 0) + info.getAtIndex(JAVA_LONG, 4);
            return new HeldMemory(
                    fromOs, "mallinfo2() arena + hblkhd: bytes glibc took from the OS, process-wide (JVM included)");
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public void close() {
        // Nothing owned: malloc is the process's.
    }
}
