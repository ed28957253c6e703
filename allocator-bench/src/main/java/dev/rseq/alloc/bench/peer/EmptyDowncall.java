package dev.rseq.alloc.bench.peer;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rseq.alloc.rseq.NativeLibrary;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The cost floor of a critical FFM downcall: librseqalloc's empty {@code ra_noop}, found
 * through allocator-core's {@link NativeLibrary#lookup()}. If that library cannot be
 * loaded, libc's {@code labs(long)} stands in (also trivially short, but not empty), and
 * {@link #LABEL} says so in every row it appears in.
 */
public final class EmptyDowncall {
    private static final Optional<MemorySegment> RA_NOOP = findNoop();
    /** True when the real empty function is used. */
    public static final boolean IS_RA_NOOP = RA_NOOP.isPresent();

    public static final String LABEL = IS_RA_NOOP ? "ra_noop (librseqalloc)" : "labs (libc stand-in for ra_noop)";

    private static final MethodHandle HANDLE = IS_RA_NOOP
            ? NativeSymbols.critical(RA_NOOP.get(), FunctionDescriptor.of(JAVA_LONG))
            : NativeSymbols.critical(NativeSymbols.libc("labs"), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));

    private EmptyDowncall() {}

    /** One downcall; returns what the function returned. */
    public static long call() {
        try {
            // IS_RA_NOOP is a static final constant: the JIT keeps only one branch.
            return IS_RA_NOOP ? (long) HANDLE.invokeExact() : (long) HANDLE.invokeExact(1L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static Optional<MemorySegment> findNoop() {
        try {
            return NativeLibrary.lookup().find("ra_noop");
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }
}
