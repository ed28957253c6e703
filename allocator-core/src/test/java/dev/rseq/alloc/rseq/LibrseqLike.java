package dev.rseq.alloc.rseq;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The librseq-like test registrant (allocator-native's librseq_like.c) through FFM: its
 * exported variables and {@code rseq_register_current_thread()}, as a librseq user calls it.
 * Opening it with {@link SymbolLookup#libraryLookup} loads it RTLD_LOCAL (the way a JNI
 * library's dependency arrives in a JVM), or finds the copy LD_PRELOAD put in place.
 */
final class LibrseqLike {
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private final MemorySegment offset;
    private final MemorySegment size;
    private final MethodHandle register;

    private LibrseqLike(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        offset = lib.find("rseq_offset").orElseThrow().reinterpret(Long.BYTES);
        size = lib.find("rseq_size").orElseThrow().reinterpret(Integer.BYTES);
        register = linker.downcallHandle(
                lib.find("rseq_register_current_thread").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT),
                Linker.Option.captureCallState("errno"));
    }

    /** Opens (or finds, when preloaded) the registrant at {@code path}; it stays loaded for good. */
    static LibrseqLike open(Path path) {
        return new LibrseqLike(SymbolLookup.libraryLookup(path, Arena.global()));
    }

    /** The registrant's packaged copy (tests jar), extracted. */
    static Path path() {
        return NativeLibrary.extract("librseqlike.so");
    }

    /** rseq_register_current_thread() on the calling thread: {rc, errno}. */
    int[] register() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) register.invokeExact(state);
            return new int[] {rc, rc == 0 ? 0 : (int) ERRNO.get(state, 0L)};
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    long rseqOffset() {
        return offset.get(JAVA_LONG, 0);
    }

    long rseqSize() {
        return Integer.toUnsignedLong(size.get(JAVA_INT, 0));
    }
}
