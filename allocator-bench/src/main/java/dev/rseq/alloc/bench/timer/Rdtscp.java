package dev.rseq.alloc.bench.timer;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Binding of {@code int64_t ra_rdtscp(void)}: the time-stamp counter read with RDTSCP,
 * through a critical downcall (no thread-state transition, a few ns). The function lives in
 * librseqalloc; a library built before it was added simply lacks the symbol, which callers
 * treat as "no TSC clock here".
 */
public final class Rdtscp {
    public static final String SYMBOL = "ra_rdtscp";
    /** Without both flags the counter may change rate or stop in idle states: not a clock. */
    static final List<String> REQUIRED_FLAGS = List.of("constant_tsc", "nonstop_tsc");

    private Rdtscp() {}

    /** A critical downcall handle to {@link #SYMBOL} in {@code lookup}, if it has one. */
    public static Optional<MethodHandle> bind(SymbolLookup lookup) {
        Optional<MemorySegment> symbol = lookup.find(SYMBOL);
        return symbol.map(s -> Linker.nativeLinker()
                .downcallHandle(s, FunctionDescriptor.of(JAVA_LONG), Linker.Option.critical(false)));
    }

    /**
     * Why the TSC cannot serve as a clock on this CPU, or null when it can: the first CPU's
     * flags in /proc/cpuinfo must include an invariant counter.
     */
    static String cpuProblem() {
        return cpuProblem(readCpuinfo());
    }

    static String cpuProblem(String cpuinfo) {
        if (cpuinfo == null) {
            return "cannot read /proc/cpuinfo to check for an invariant TSC";
        }
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                List<String> flags = Arrays.asList(
                        line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                List<String> missing =
                        REQUIRED_FLAGS.stream().filter(f -> !flags.contains(f)).toList();
                return missing.isEmpty()
                        ? null
                        : "the CPU does not report an invariant TSC (missing " + String.join(", ", missing) + ")";
            }
        }
        return "no flags line in /proc/cpuinfo";
    }

    private static String readCpuinfo() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return null;
        }
    }
}
