package dev.rseq.alloc.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Memory from the JDK for platforms where mmap cannot be called (another OS) or when asked
 * for: each reservation is one allocation of a shared {@link Arena}, which the JDK commits
 * and zeroes at once, so reservations here are not free: the page heap sizes them by {@code
 * rseqalloc.jdkMemoryBytes} instead of reserving address space for the future. Giving pages
 * back ({@link #forget}) zeroes them but keeps the memory.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public final class JdkMemory implements Memory {
    private final ConcurrentHashMap<Long, Arena> arenas = new ConcurrentHashMap<>();

    @Override
    public long reserve(long bytes, long alignment) {
        Arena arena = Arena.ofShared();
        try {
            long address = arena.allocate(bytes, alignment).address();
            arenas.put(address, arena);
            return address;
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            arena.close();
            OutOfMemoryError oom = new OutOfMemoryError(
                    "the JDK refused " + bytes + " bytes aligned to " + alignment + ": " + e.getMessage());
            oom.initCause(e);
            throw oom;
        }
    }

    @Override
    public void commit(long address, long bytes) {
        // Arena memory is committed and zero from the start.
    }

    @Override
    public void release(long address, long bytes) {
        Arena arena = arenas.remove(address);
        if (arena == null) {
            throw new IllegalStateException("0x" + Long.toHexString(address) + " is not a reservation of this memory");
        }
        arena.close();
    }

    @Override
    public void forget(long address, long bytes) {
        MemorySegment.ofAddress(address).reinterpret(bytes).fill((byte) 0);
    }

    @Override
    public boolean adviseHugePages(long address, long bytes, int advice) {
        return false;
    }

    @Override
    public boolean lazy() {
        return false;
    }

    @Override
    public String name() {
        return "jdk";
    }
}
