package dev.rseq.alloc.bench.timer;

import dev.rseq.alloc.rseq.NativeLibrary;
import java.lang.invoke.MethodHandle;

/**
 * The TSC through librseqalloc's {@code ra_rdtscp}. The handle is a static final so the JIT
 * treats it as a constant and inlines the downcall; {@link #unavailableReason()} says why
 * this clock cannot be used (the library lacks the symbol, or the CPU's TSC is not invariant).
 */
public final class TscClock implements Clock {
    public static final TscClock INSTANCE = new TscClock();

    private static final String LIBRARY_PROBLEM;
    private static final MethodHandle RDTSCP;

    static {
        MethodHandle handle = null;
        String problem;
        try {
            handle = Rdtscp.bind(NativeLibrary.lookup()).orElse(null);
            problem = handle == null ? "librseqalloc has no " + Rdtscp.SYMBOL + " (built before it was added)" : null;
        } catch (RuntimeException | LinkageError e) {
            problem = "librseqalloc cannot be loaded: " + e.getMessage();
        }
        RDTSCP = handle;
        LIBRARY_PROBLEM = problem;
    }

    private TscClock() {}

    /** Null when usable; otherwise one line saying why not. */
    public static String unavailableReason() {
        return LIBRARY_PROBLEM != null ? LIBRARY_PROBLEM : Rdtscp.cpuProblem();
    }

    @Override
    public long ticks() {
        try {
            return (long) RDTSCP.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public String name() {
        return "rdtscp";
    }
}
