package dev.rseq.alloc.bench.peer;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rseq.alloc.bench.BenchAllocator;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * mimalloc 2 (Debian's libmimalloc2.0, free-list sharding per page, thread-local heaps),
 * dlopen'ed with local symbols; {@code mi_malloc} and the sized {@code mi_free_size}.
 */
final class MimallocPeer implements BenchAllocator {
    static final String SONAME = "libmimalloc.so.2";
    private static final NativeSymbols.LibraryProbe LIB = NativeSymbols.open(SONAME, "libmimalloc2.0");

    static Availability availability() {
        return LIB.loaded() ? Availability.yes() : Availability.no("mimalloc skipped: " + LIB.failure());
    }

    private static final class Fn {
        static final MethodHandle MALLOC =
                NativeSymbols.critical(LIB.find("mi_malloc"), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        static final MethodHandle FREE_SIZED =
                NativeSymbols.critical(LIB.find("mi_free_size"), FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG));
    }

    @Override
    public String name() {
        return "mimalloc";
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
    public void close() {
        // The library stays loaded (global arena).
    }
}
