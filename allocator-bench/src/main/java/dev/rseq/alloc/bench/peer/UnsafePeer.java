package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * {@code sun.misc.Unsafe.allocateMemory/freeMemory}: the JDK's os::malloc path (glibc
 * underneath, plus NMT bookkeeping when enabled). Deprecated for removal since JDK 23;
 * children and JMH forks run with {@code --sun-misc-unsafe-memory-access=allow} to keep
 * the warning out of the output. Reached by reflection so the build's lint (which cannot
 * suppress the "internal proprietary API" warning) stays an error; the two calls go through
 * constant method handles bound to the instance, which the JIT inlines like direct calls.
 */
final class UnsafePeer implements BenchAllocator {
    private static final MethodHandle ALLOCATE;
    private static final MethodHandle FREE;

    static {
        MethodHandle allocate = null;
        MethodHandle free = null;
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            allocate = lookup.findVirtual(unsafeClass, "allocateMemory", MethodType.methodType(long.class, long.class))
                    .bindTo(unsafe);
            free = lookup.findVirtual(unsafeClass, "freeMemory", MethodType.methodType(void.class, long.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            allocate = null;
            free = null;
        }
        ALLOCATE = allocate;
        FREE = free;
    }

    static Availability availability() {
        return ALLOCATE != null
                ? Availability.yes()
                : Availability.no("unsafe skipped: sun.misc.Unsafe.theUnsafe is not accessible");
    }

    @Override
    public String name() {
        return "unsafe";
    }

    @Override
    public long allocate(int slot, long size) {
        try {
            return (long) ALLOCATE.invokeExact(size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void free(int slot, long address, long size) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    @Override
    public void close() {}
}
