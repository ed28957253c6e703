package dev.rseq.alloc.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Address space and memory from the kernel: mmap, mprotect, munmap and madvise through
 * FFM downcalls to libc. These are system calls that may block, so they are plain (not
 * critical) downcalls; errno is captured so every failure names its cause.
 *
 * <p>Two ways to get memory: {@link #reserve} takes address space only (PROT_NONE, never
 * charged against the commit limit) and {@link #commit} makes a part of it usable; {@link
 * #map} does both at once for small private mappings. Untouched pages cost no physical
 * memory in either case.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public final class OsMemory implements Memory {
    /** The one instance, for the page heap's {@link Memory} contract; the static methods serve the slabs. */
    public static final OsMemory INSTANCE = new OsMemory();

    private static final int PROT_NONE = 0;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    /** Frees the pages' contents; the range reads as zeroes afterwards. */
    public static final int MADV_DONTNEED = 4;

    public static final int MADV_HUGEPAGE = 14;
    public static final int MADV_NOHUGEPAGE = 15;
    /** The kernel's page size on x86-64; mappings and protections work in these units. */
    public static final long OS_PAGE = 4096;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MMAP = libc(
            "mmap", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MPROTECT =
            libc("mprotect", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUNMAP = libc("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MADVISE =
            libc("madvise", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    private OsMemory() {}

    /** True when mmap can be called here (Linux, where the flags below are the kernel's). */
    public static boolean usable() {
        return System.getProperty("os.name", "")
                .toLowerCase(java.util.Locale.ROOT)
                .contains("linux");
    }

    @Override
    public long reserve(long bytes, long alignment) {
        // Reserve enough to find an aligned start, then give the ragged ends back: nothing
        // beyond [start, start + bytes) stays reserved.
        long extra = alignment > OS_PAGE ? alignment - OS_PAGE : 0;
        long raw = reserve(bytes + extra);
        long start = (raw + alignment - 1) & -alignment;
        if (start > raw) {
            unmap(raw, start - raw);
        }
        long end = raw + bytes + extra;
        if (end > start + bytes) {
            unmap(start + bytes, end - (start + bytes));
        }
        return start;
    }

    @Override
    public void release(long address, long bytes) {
        unmap(address, bytes);
    }

    @Override
    public void forget(long address, long bytes) {
        advise(address, bytes, MADV_DONTNEED);
    }

    @Override
    public boolean adviseHugePages(long address, long bytes, int advice) {
        return advice != 0 && advise(address, bytes, advice);
    }

    @Override
    public boolean lazy() {
        return true;
    }

    @Override
    public String name() {
        return "os";
    }

    /**
     * Reserves {@code bytes} of address space that is not yet usable (PROT_NONE): it costs
     * neither memory nor commit charge until {@link #commit}.
     *
     * @throws OutOfMemoryError naming the errno when the kernel refuses
     */
    public static long reserve(long bytes) {
        return mmap(bytes, PROT_NONE, "reserve");
    }

    /**
     * Maps {@code bytes} of private anonymous memory, readable and writable, without swap
     * reservation.
     *
     * @throws OutOfMemoryError naming the errno when the kernel refuses
     */
    public static long map(long bytes) {
        return mmap(bytes, PROT_READ | PROT_WRITE, "map");
    }

    /**
     * Makes {@code [address, address + bytes)} of a reservation readable and writable.
     *
     * @throws OutOfMemoryError naming the errno when the kernel refuses (commit limit)
     */
    @Override
    public void commit(long address, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) MPROTECT.invokeExact(state, address, bytes, PROT_READ | PROT_WRITE);
            if (rc != 0) {
                throw new OutOfMemoryError("mprotect(0x" + Long.toHexString(address) + ", " + bytes
                        + ", READ|WRITE) failed: " + Errno.describe(errno(state)));
            }
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static void unmap(long address, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) MUNMAP.invokeExact(state, address, bytes);
            if (rc != 0) {
                throw new IllegalStateException("munmap(0x" + Long.toHexString(address) + ", " + bytes + ") failed: "
                        + Errno.describe(errno(state)));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** madvise; returns true on success (advice such as MADV_HUGEPAGE may be unsupported). */
    public static boolean advise(long address, long bytes, int advice) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) MADVISE.invokeExact(arena.allocate(STATE), address, bytes, advice) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long mmap(long bytes, int protection, String what) {
        if (bytes <= 0 || bytes % OS_PAGE != 0) {
            throw new IllegalArgumentException(what + ": " + bytes + " is not a positive multiple of " + OS_PAGE);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            long address = (long)
                    MMAP.invokeExact(state, 0L, bytes, protection, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (address == -1L) {
                throw new OutOfMemoryError(
                        "mmap of " + bytes + " bytes (" + what + ") failed: " + Errno.describe(errno(state)));
            }
            return address;
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO_VALUE.get(state, 0L);
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol =
                LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc lacks " + name));
        return LINKER.downcallHandle(symbol, descriptor, ERRNO);
    }
}
