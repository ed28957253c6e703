package dev.rseq.alloc.pageheap;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * mmap, munmap and madvise through FFM downcalls to libc. These are system calls that may
 * block in the kernel, so they are plain (not critical) downcalls. errno is captured.
 */
public final class OsMemory {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    /** Frees the pages' contents; the range reads as zeroes afterwards. */
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_HUGEPAGE = 14;
    public static final int MADV_NOHUGEPAGE = 15;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = libc("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = libc("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MADVISE = libc("madvise",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    private OsMemory() {
    }

    /**
     * Maps {@code bytes} of private anonymous memory, readable and writable, without swap
     * reservation: untouched pages cost no physical memory.
     *
     * @throws OutOfMemoryError when the kernel refuses
     */
    public static long map(long bytes) {
        try {
            long addr = (long) MMAP.invokeExact(0L, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (addr == -1L) {
                throw new OutOfMemoryError("mmap of " + bytes + " bytes failed");
            }
            return addr;
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static void unmap(long addr, long bytes) {
        try {
            int rc = (int) MUNMAP.invokeExact(addr, bytes);
            if (rc != 0) {
                throw new IllegalStateException("munmap(" + Long.toHexString(addr) + ", " + bytes + ") failed");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** madvise; returns true on success (advice such as MADV_HUGEPAGE may be unsupported). */
    public static boolean advise(long addr, long bytes, int advice) {
        try {
            return (int) MADVISE.invokeExact(addr, bytes, advice) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc lacks " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

}
