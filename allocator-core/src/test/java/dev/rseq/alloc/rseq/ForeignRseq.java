package dev.rseq.alloc.rseq;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The "foreign rseq user" of libforeignrseq.so through FFM: takes the calling thread's rseq
 * registration (dropping glibc's first when glibc owns it) with its own area and signature.
 */
final class ForeignRseq {
    // Global arena: the registered area is that library's TLS, so the library must never unload.
    private static final SymbolLookup LIB =
            SymbolLookup.libraryLookup(NativeLibrary.extract("libforeignrseq.so"), Arena.global());
    private static final MethodHandle REGISTER = handle("foreign_rseq_register");
    private static final MethodHandle CPU_ID = handle("foreign_rseq_cpu_id");

    private ForeignRseq() {}

    /** Registers on the calling thread: 0, or -errno of the failing rseq() call. */
    static int register() {
        try {
            return (int) REGISTER.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** cpu_id of the foreign area on the calling thread (-1 when not registered there). */
    static int cpuId() {
        try {
            return (int) CPU_ID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle handle(String name) {
        return Linker.nativeLinker().downcallHandle(LIB.find(name).orElseThrow(), FunctionDescriptor.of(JAVA_INT));
    }
}
