package dev.rseq.alloc.rseq;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU affinity of OS threads through {@code sched_setaffinity(2)}, for tests and the stress
 * tool: pinning and re-pinning threads forces the migrations that abort rseq critical
 * sections. A virtual thread's calls affect its current carrier.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public final class Affinity {
    private static final int MASK_BYTES = 128; // cpu_set_t: 1024 cpus
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETTID = libc("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SET =
            libc("sched_setaffinity", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private Affinity() {}

    /** Kernel id of the calling OS thread. */
    public static int currentTid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Restricts thread {@code tid} (0: the calling thread) to the given cpus.
     * @return true on success; false when the thread is gone or the cpus are not allowed
     */
    public static boolean set(int tid, int... cpus) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES);
            for (int cpu : cpus) {
                if (cpu >= 0 && cpu < MASK_BYTES * 8) {
                    int b = cpu >>> 3;
                    mask.set(ValueLayout.JAVA_BYTE, b, (byte) (mask.get(ValueLayout.JAVA_BYTE, b) | 1 << (cpu & 7)));
                }
            }
            return (int) SET.invokeExact(tid, (long) MASK_BYTES, mask) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Lets thread {@code tid} run on every possible cpu again (the kernel keeps only the
     * online ones). Not availableProcessors(): that reflects the caller's own pinning.
     */
    public static boolean unpin(int tid) {
        int n = RseqNative.regionCount();
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return set(tid, all);
    }

    /**
     * The cpus this process may run on, from {@code Cpus_allowed_list} in
     * {@code /proc/self/status}: a cgroup cpuset can make them other than 0..n-1, so pinning
     * to "cpu 0" or to {@code random.nextInt(availableProcessors())} may simply fail.
     * Falls back to 0..availableProcessors()-1.
     */
    public static int[] allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parseCpuList(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        int n = Runtime.getRuntime().availableProcessors();
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return all;
    }

    /** Parses a kernel cpu list such as {@code 0-3,8,10-11}. */
    private static int[] parseCpuList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            if (part.isBlank()) {
                continue;
            }
            String[] range = part.trim().split("-", -1);
            int lo = Integer.parseInt(range[0]);
            int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
            for (int c = lo; c <= hi; c++) {
                cpus.add(c);
            }
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The C library's function, or (not Linux, not glibc) one that throws when called. */
    private static MethodHandle libc(String name, FunctionDescriptor d) {
        return LINKER.defaultLookup()
                .find(name)
                .map(s -> LINKER.downcallHandle(s, d))
                .orElseGet(() -> MethodHandles.dropArguments(
                        MethodHandles.throwException(d.toMethodType().returnType(), UnsupportedOperationException.class)
                                .bindTo(new UnsupportedOperationException(name + " is not in this C library")),
                        0,
                        d.toMethodType().parameterList()));
    }
}
