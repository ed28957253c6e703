package dev.rseq.alloc.bench.peer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Symbol resolution for the native peers.
 *
 * <p>Two lookups matter and they differ. {@link Linker#defaultLookup()} searches libc as a
 * dependency of the JDK's lookup helper, so it returns glibc's {@code malloc} even when
 * another allocator is LD_PRELOADed, and it never sees a preloaded library's extra symbols
 * such as jemalloc's {@code mallctl}. {@code dlsym(RTLD_DEFAULT, name)} searches the global
 * scope, preload first: that is what C code in this process calls, so the malloc peer
 * resolves through it.
 */
public final class NativeSymbols {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    /** RTLD_DEFAULT is the null handle in glibc. */
    private static final MemorySegment RTLD_DEFAULT = MemorySegment.NULL;

    private static final int RTLD_LAZY = 1;

    private static final MethodHandle DLSYM =
            LINKER.downcallHandle(libc("dlsym"), FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle DLOPEN =
            LINKER.downcallHandle(libc("dlopen"), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle DLCLOSE =
            LINKER.downcallHandle(libc("dlclose"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle DLERROR = LINKER.downcallHandle(libc("dlerror"), FunctionDescriptor.of(ADDRESS));

    private NativeSymbols() {}

    /** A libc function through the JDK's default lookup. */
    static MemorySegment libc(String name) {
        return LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
    }

    /** {@code dlsym(RTLD_DEFAULT, name)}: the definition the process's own C code would bind to. */
    public static Optional<MemorySegment> global(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = (MemorySegment) DLSYM.invokeExact(RTLD_DEFAULT, arena.allocateFrom(name));
            return address.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(address);
        } catch (Throwable t) {
            throw new IllegalStateException("dlsym(" + name + ")", t);
        }
    }

    /**
     * A critical downcall handle: no thread-state transition, for short functions that never
     * block or call back into Java. {@code critical(false)}: no heap segments are passed.
     */
    static MethodHandle critical(MemorySegment function, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(function, descriptor, Linker.Option.critical(false));
    }

    static MethodHandle plain(MemorySegment function, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(function, descriptor);
    }

    /** Opens a library by soname, or says in one line why it cannot be opened. */
    static LibraryProbe open(String soname, String debianPackage) {
        try {
            return new LibraryProbe(SymbolLookup.libraryLookup(soname, Arena.global()), null);
        } catch (IllegalArgumentException e) {
            // libraryLookup's message is only "Cannot open library"; dlerror says why.
            String why = dlopenError(soname);
            if (why == null || why.contains("No such file")) {
                return new LibraryProbe(null, soname + " not found (install the Debian package " + debianPackage + ")");
            }
            return new LibraryProbe(null, soname + " cannot be loaded: " + why);
        }
    }

    /** Calls dlopen itself to read dlerror; returns null if the library opens after all. */
    static String dlopenError(String soname) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(soname), RTLD_LAZY);
            if (!handle.equals(MemorySegment.NULL)) {
                int ignored = (int) DLCLOSE.invokeExact(handle);
                return null;
            }
            MemorySegment message = (MemorySegment) DLERROR.invokeExact();
            return message.equals(MemorySegment.NULL)
                    ? "unknown dlopen error"
                    : message.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "dlopen failed: " + t;
        }
    }

    /** Either a lookup or the reason there is none. */
    record LibraryProbe(SymbolLookup lookup, String failure) {
        boolean loaded() {
            return lookup != null;
        }

        MemorySegment find(String symbol) {
            return lookup.find(symbol).orElseThrow(() -> new IllegalStateException("no symbol " + symbol));
        }
    }
}
