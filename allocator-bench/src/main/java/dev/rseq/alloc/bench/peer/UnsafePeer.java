package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;

import java.lang.reflect.Field;

/**
 * {@code sun.misc.Unsafe.allocateMemory/freeMemory}: the JDK's os::malloc path (glibc
 * underneath, plus NMT bookkeeping when enabled). Deprecated for removal since JDK 23;
 * children and JMH forks run with {@code --sun-misc-unsafe-memory-access=allow} to keep
 * the warning out of the output.
 */
@SuppressWarnings("removal")
final class UnsafePeer implements BenchAllocator {
    private static final sun.misc.Unsafe UNSAFE = load();

    static Availability availability() {
        return UNSAFE != null ? Availability.yes()
                : Availability.no("unsafe skipped: sun.misc.Unsafe.theUnsafe is not accessible");
    }

    private static sun.misc.Unsafe load() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public String name() {
        return "unsafe";
    }

    @Override
    public long allocate(int slot, long size) {
        return UNSAFE.allocateMemory(size);
    }

    @Override
    public void free(int slot, long address, long size) {
        UNSAFE.freeMemory(address);
    }

    @Override
    public void close() {
    }
}
