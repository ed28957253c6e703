package dev.rseq.alloc.bench.peer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rseq.alloc.bench.BenchAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * gperftools tcmalloc (per-thread caches, Debian's libtcmalloc-minimal4), dlopen'ed with
 * local symbols so it does not replace the process's malloc; called through its
 * {@code tc_} entry points with the sized free.
 */
final class TcmallocPeer implements BenchAllocator {
    static final String SONAME = "libtcmalloc_minimal.so.4";
    private static final NativeSymbols.LibraryProbe LIB = NativeSymbols.open(SONAME, "libtcmalloc-minimal4");

    static Availability availability() {
        return LIB.loaded() ? Availability.yes() : Availability.no("tcmalloc skipped: " + LIB.failure());
    }

    /** Resolved only after the probe succeeded; static final for constant folding. */
    private static final class Fn {
        static final MethodHandle MALLOC =
                NativeSymbols.critical(LIB.find("tc_malloc"), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        static final MethodHandle FREE_SIZED =
                NativeSymbols.critical(LIB.find("tc_free_sized"), FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG));
        static final MethodHandle NUMERIC_PROPERTY = NativeSymbols.plain(
                LIB.find("MallocExtension_GetNumericProperty"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    @Override
    public String name() {
        return "tcmalloc";
    }

    @Override
    public long allocate(int slot, long size) {
        try {
            return (long) Fn.MALLOC.invokeExact(size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void free(int slot, long address, long size) {
        try {
            Fn.FREE_SIZED.invokeExact(address, size);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public HeldMemory heldMemory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            int ok = (int) Fn.NUMERIC_PROPERTY.invokeExact(arena.allocateFrom("generic.heap_size"), value);
            return ok == 0
                    ? null
                    : new HeldMemory(
                            value.get(JAVA_LONG, 0), "MallocExtension generic.heap_size: bytes reserved from the OS");
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public void close() {
        // The library stays loaded (global arena); its caches belong to the process.
    }
}
