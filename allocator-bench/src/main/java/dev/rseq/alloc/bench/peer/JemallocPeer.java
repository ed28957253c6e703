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
 * jemalloc 5 through its own API: {@code malloc} and the sized {@code sdallocx}.
 *
 * <p>Debian's libjemalloc2 uses initial-exec TLS, so a running JVM cannot dlopen it ("cannot
 * allocate memory in static TLS block"). It loads only when the process starts with
 * {@code LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}; then it is also the process
 * malloc, and the malloc row is named jemalloc(LD_PRELOAD).
 */
final class JemallocPeer implements BenchAllocator {
    static final String SONAME = "libjemalloc.so.2";
    static final String PRELOAD_HINT = "run with LD_PRELOAD=/usr/lib/x86_64-linux-gnu/" + SONAME;
    private static final NativeSymbols.LibraryProbe LIB = NativeSymbols.open(SONAME, "libjemalloc2");

    static Availability availability() {
        if (LIB.loaded()) {
            return Availability.yes();
        }
        String failure = LIB.failure();
        if (failure.contains("static TLS")) {
            // Debian builds it with initial-exec TLS, which only fits if loaded at process start.
            return Availability.no("jemalloc skipped: a running JVM cannot dlopen it (" + failure + "); " + PRELOAD_HINT
                    + " to measure it (the malloc row then is jemalloc too)");
        }
        return Availability.no("jemalloc skipped: " + failure);
    }

    private static final class Fn {
        static final MethodHandle MALLOC =
                NativeSymbols.critical(LIB.find("malloc"), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        static final MethodHandle SDALLOCX =
                NativeSymbols.critical(LIB.find("sdallocx"), FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final MethodHandle MALLCTL = NativeSymbols.plain(
                LIB.find("mallctl"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    }

    @Override
    public String name() {
        return "jemalloc";
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
            Fn.SDALLOCX.invokeExact(address, size, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public HeldMemory heldMemory() {
        try (Arena arena = Arena.ofConfined()) {
            // jemalloc's statistics are snapshots refreshed by writing "epoch".
            MemorySegment epoch = arena.allocate(JAVA_LONG);
            epoch.set(JAVA_LONG, 0, 1);
            MemorySegment len = arena.allocate(JAVA_LONG);
            len.set(JAVA_LONG, 0, 8);
            int rc = (int) Fn.MALLCTL.invokeExact(arena.allocateFrom("epoch"), epoch, len, epoch, 8L);
            MemorySegment resident = arena.allocate(JAVA_LONG);
            len.set(JAVA_LONG, 0, 8);
            rc |= (int)
                    Fn.MALLCTL.invokeExact(arena.allocateFrom("stats.resident"), resident, len, MemorySegment.NULL, 0L);
            return rc != 0 ? null : new HeldMemory(resident.get(JAVA_LONG, 0), "mallctl stats.resident");
        } catch (Throwable t) {
            return null;
        }
    }

    @Override
    public void close() {
        // Preloaded: the library belongs to the process.
    }
}
