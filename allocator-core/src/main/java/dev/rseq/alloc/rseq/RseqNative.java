package dev.rseq.alloc.rseq;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rseq.alloc.config.Setting;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Downcalls into librseqalloc. The slab operations are {@code critical} downcalls (no
 * thread-state transition: they are short, never block and never call back), built once
 * as {@code static final} handles so the JIT inlines them as constants.
 *
 * <p>Initialising this class never throws. It loads the library ({@link NativeLibrary}),
 * checks the shared constants ({@link NativeContract}), then calls {@code ra_init}
 * (glibc's area, librseq's, our own, or forced CAS) and picks the region index
 * ({@code mm_cid} when the kernel and the registration cover it, else {@code cpu_id}).
 * When any step fails, {@link #available()} is false, {@link #unavailableReason()} says
 * why, and every method below stays safe to call: the slab operations answer
 * {@link #NOT_REGISTERED} without touching memory, {@link #attachCurrentThread()} answers
 * {@link RseqMode#CAS_UNAVAILABLE}, {@link #fence} answers {@link #FENCE_NOT_NEEDED}, the
 * counters read 0 and {@link #regionCount()} the cpus Java sees. Only {@link #rdtscp()}
 * throws then (it has no honest substitute in the same unit).
 *
 * <p>Switches (system property, else environment variable):
 * {@code rseqalloc.forceCas} / {@code RSEQALLOC_FORCE_CAS}: CAS mode for the whole process;
 * {@code rseqalloc.index} / {@code RSEQALLOC_INDEX} = {@code cpu_id|mm_cid}: the region index;
 * {@code rseqalloc.selfRegister} / {@code RSEQALLOC_SELF_REGISTER} = {@code true|false}
 * (default true): whether this library may register threads itself when nobody else does
 * (false for processes that will load librseq later, see docs/coexistence.md);
 * {@code rseqalloc.librseqRegister} / {@code RSEQALLOC_LIBRSEQ_REGISTER} = {@code true|false}
 * (default false): whether to register threads through librseq's
 * {@code rseq_register_current_thread()} where librseq owns registration;
 * and the loading switches of {@link NativeLibrary}.
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public final class RseqNative {
    /** A slab operation found no usable registration on this thread; the slab is untouched. */
    public static final long NOT_REGISTERED = -1;
    /** A remote editor fenced the region; the slab is untouched. */
    public static final long STOPPED = -2;

    /** {@link #fence}: aborted by {@code membarrier}. */
    public static final int FENCE_MEMBARRIER = 0;
    /** {@link #fence}: by running the caller on the cpu(s) (membarrier unavailable). */
    public static final int FENCE_MIGRATION = 1;
    /** {@link #fence}: nothing to fence: the library is not loaded, so no critical section runs anywhere. */
    public static final int FENCE_NOT_NEEDED = 2;

    static final int STRATEGY_NONE = 0;
    static final int STRATEGY_GLIBC = 1;
    static final int STRATEGY_OWN = 2;
    static final int STRATEGY_FORCED = 3;
    static final int STRATEGY_LIBRSEQ = 4;
    static final int STRATEGY_UNREGISTERED = 5;

    static final int LIBRSEQ_NONE = 0;
    static final int LIBRSEQ_ADOPTED = 1;
    static final int LIBRSEQ_ADOPTED_LATE = 2;
    static final int LIBRSEQ_BLOCKED = 3;

    static final int INIT_FORCE_CAS = 1;
    static final int INIT_NO_SELF_REGISTER = 2;
    static final int INIT_LIBRSEQ_REGISTER = 4;

    static final int Q_STRATEGY = 1;
    static final int Q_RSEQ_OFFSET = 2;
    static final int Q_GLIBC_RSEQ_SIZE = 3;
    static final int Q_FEATURE_SIZE = 4;
    static final int Q_USABLE_SIZE = 5;
    static final int Q_MM_CID_AVAILABLE = 6;
    static final int Q_THREAD_MODE = 7;
    static final int Q_THREAD_ERRNO = 8;
    static final int Q_CPU_ID = 9;
    static final int Q_MM_CID = 10;
    static final int Q_MEMBARRIER_ERRNO = 11;
    static final int Q_ABORTS = 12;
    static final int Q_REFCOUNT = 13;
    static final int Q_INJECT_DELAY = 14;
    static final int Q_CPUS_CONFIGURED = 15;
    static final int Q_OWN_REGISTRATIONS = 16;
    static final int Q_OWN_UNREGISTRATIONS = 17;
    static final int Q_THREAD_REASON = 18;
    static final int Q_LIBRSEQ_STATE = 19;
    static final int Q_LIBRSEQ_PRESENT = 20;
    static final int Q_LIBRSEQ_RSEQ_SIZE = 21;
    static final int Q_OWN_LIVE = 22;
    static final int Q_LIBRSEQ_DELEGATED = 23;
    static final int Q_INIT_FLAGS = 24;
    static final int Q_FEATURE_ALIGN = 25;
    static final int Q_HAS_RDTSCP = 26;

    /** True when {@code -Drseqalloc.forceCas} / {@code RSEQALLOC_FORCE_CAS} forced CAS mode. */
    public static final boolean FORCE_CAS = Settings.bool(Setting.FORCE_CAS);
    /** {@code rseqalloc.selfRegister}: false forbids registering our own area on any thread. */
    public static final boolean SELF_REGISTER = Settings.bool(Setting.SELF_REGISTER);
    /** {@code rseqalloc.librseqRegister}: true registers unregistered threads through librseq. */
    public static final boolean LIBRSEQ_REGISTER = Settings.bool(Setting.LIBRSEQ_REGISTER);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);
    /** Batch operations read and write a Java long[] directly. */
    private static final Linker.Option CRITICAL_HEAP = Linker.Option.critical(true);

    private static final FunctionDescriptor POP_DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT);
    private static final FunctionDescriptor PUSH_DESC =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG);
    private static final FunctionDescriptor BATCH_DESC =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor GROW_DESC =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor SHRINK_DESC =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT);

    /** Everything the initializer decides, made in one place so that no step can throw out of it. */
    private record Bound(
            String unavailableReason,
            String source,
            Map<String, Long> contract,
            long strategy,
            boolean useMmCid,
            MethodHandle attach,
            MethodHandle query,
            MethodHandle queryPlain,
            MethodHandle fence,
            MethodHandle setDelay,
            MethodHandle noop,
            MethodHandle rdtscp,
            MethodHandle rescan,
            MethodHandle librseqPath,
            MethodHandle pop,
            MethodHandle push,
            MethodHandle popBatch,
            MethodHandle pushBatch,
            MethodHandle grow,
            MethodHandle shrink) {}

    private static final Bound BOUND = bind();
    private static final String UNAVAILABLE_REASON = BOUND.unavailableReason();
    private static final MethodHandle ATTACH = BOUND.attach();
    private static final MethodHandle QUERY = BOUND.query();
    /** The same function as a plain downcall, for the keys that may block (a lock, dlopen, a file). */
    private static final MethodHandle QUERY_PLAIN = BOUND.queryPlain();

    private static final MethodHandle FENCE = BOUND.fence();
    private static final MethodHandle SET_DELAY = BOUND.setDelay();
    private static final MethodHandle NOOP = BOUND.noop();
    private static final MethodHandle RDTSCP = BOUND.rdtscp();
    private static final MethodHandle RESCAN = BOUND.rescan();
    private static final MethodHandle LIBRSEQ_PATH = BOUND.librseqPath();
    private static final MethodHandle POP = BOUND.pop();
    private static final MethodHandle PUSH = BOUND.push();
    private static final MethodHandle POP_BATCH = BOUND.popBatch();
    private static final MethodHandle PUSH_BATCH = BOUND.pushBatch();
    private static final MethodHandle GROW = BOUND.grow();
    private static final MethodHandle SHRINK = BOUND.shrink();
    /** True when regions are indexed by mm_cid, false for cpu_id. */
    public static final boolean USE_MM_CID = BOUND.useMmCid();

    private RseqNative() {}

    /** True when librseqalloc is loaded and bound; false means every thread uses the CAS caches. */
    public static boolean available() {
        return UNAVAILABLE_REASON == null;
    }

    /** Why librseqalloc is not available (the load or bind failure, in full), or null when it is. */
    public static String unavailableReason() {
        return UNAVAILABLE_REASON;
    }

    /** Where the library was loaded from (a path, {@code java.library.path}, memfd), or null. */
    public static String librarySource() {
        return BOUND.source();
    }

    /** Pops one pointer from the calling cpu's region: the pointer, 0 when empty, or a negative code. */
    public static long pop(long base, long regionSize, int cls) {
        try {
            return (long) POP.invokeExact(base, regionSize, cls);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Pushes one pointer: 1 when pushed, 0 when the class is full, or a negative code. */
    public static long push(long base, long regionSize, int cls, long pointer) {
        try {
            return (long) PUSH.invokeExact(base, regionSize, cls, pointer);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Pops up to {@code n} pointers, newest first, into {@code buf[offset ..]}: the count
     * popped or a negative code. One critical section, one downcall.
     */
    public static long popBatch(long base, long regionSize, int cls, long[] buf, int offset, int n) {
        try {
            return (long) POP_BATCH.invokeExact(
                    base, regionSize, cls, MemorySegment.ofArray(buf).asSlice((long) offset * Long.BYTES), n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Pushes {@code buf[offset + n - 1]}, {@code buf[offset + n - 2]}, ... while there is
     * room: the count pushed (taken from the end of the range) or a negative code.
     */
    public static long pushBatch(long base, long regionSize, int cls, long[] buf, int offset, int n) {
        try {
            return (long) PUSH_BATCH.invokeExact(
                    base, regionSize, cls, MemorySegment.ofArray(buf).asSlice((long) offset * Long.BYTES), n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@link #popBatch(long, long, int, long[], int, int)} into a segment made once by the caller. */
    public static long popBatch(long base, long regionSize, int cls, MemorySegment buf, int n) {
        try {
            return (long) POP_BATCH.invokeExact(base, regionSize, cls, buf, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@link #pushBatch(long, long, int, long[], int, int)} from a segment made once by the caller. */
    public static long pushBatch(long base, long regionSize, int cls, MemorySegment buf, int n) {
        try {
            return (long) PUSH_BATCH.invokeExact(base, regionSize, cls, buf, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Raises the calling cpu's capacity of {@code cls} by up to {@code delta}, never past {@code maxEnd}. */
    public static long grow(long base, long regionSize, int cls, int delta, int maxEnd) {
        try {
            return (long) GROW.invokeExact(base, regionSize, cls, delta, maxEnd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Lowers the calling cpu's capacity of {@code cls} by up to {@code delta} free slots. */
    public static long shrink(long base, long regionSize, int cls, int delta) {
        try {
            return (long) SHRINK.invokeExact(base, regionSize, cls, delta);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** An empty critical downcall: the floor every per-operation native design pays (0 when unavailable). */
    public static long noop() {
        try {
            return (long) NOOP.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The cpu's time-stamp counter through one critical downcall ({@code rdtscp}, or
     * {@code lfence; rdtsc} on cpus without it): a timer with a lower floor than
     * {@code System.nanoTime()}, in TSC ticks, not nanoseconds.
     * @throws IllegalStateException when the library is not {@link #available()}
     */
    public static long rdtscp() {
        try {
            return (long) RDTSCP.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Attaches the calling OS thread (the carrier, for a virtual thread): in the OWN
     * strategy this registers our area if nobody did. Idempotent per OS thread; a
     * {@link RseqMode#CAS_UNREGISTERED} thread is re-checked on every call (cheaply).
     */
    public static RseqMode attachCurrentThread() {
        try {
            return RseqMode.ofCode((int) ATTACH.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Why the calling thread is in its mode (attach first). */
    public static RseqReason currentReason() {
        return available() ? RseqReason.ofCode(query(Q_THREAD_REASON)) : RseqReason.NO_LIBRARY;
    }

    /**
     * Looks for a librseq loaded since this library started and adopts it when no thread
     * runs on our own registration (the first attach of each new thread does the same).
     * @return the librseq state: 0 none, 1 adopted at start, 2 adopted later, 3 blocked by our registrations
     */
    public static int rescanLibrseq() {
        try {
            return (int) RESCAN.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Path of the librseq found in the process, or null. */
    public static String librseqPath() {
        try {
            MemorySegment p = (MemorySegment) LIBRSEQ_PATH.invokeExact();
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Aborts critical sections in flight on {@code region} (all regions when negative) and
     * publishes the caller's earlier stores to sections that start later. With mm_cid
     * indexing a region is not a cpu, so every cpu is fenced.
     * @return {@link #FENCE_MEMBARRIER}, {@link #FENCE_MIGRATION}, or {@link #FENCE_NOT_NEEDED}
     *         when the library is not loaded
     */
    public static int fence(int region) {
        try {
            int rc = (int) FENCE.invokeExact(USE_MM_CID ? -1 : region);
            if (rc < 0) {
                throw new IllegalStateException("rseq fence failed: errno " + -rc);
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets the spin count inside every critical section (the inject test build only). */
    public static void setInjectDelay(long loops) {
        try {
            SET_DELAY.invokeExact(loops);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long query(int key) {
        try {
            // A critical downcall holds off safepoints until it returns: only for keys that
            // read memory. Looking for librseq takes a lock and calls dlopen; the cpu count
            // reads sysfs.
            return key == Q_LIBRSEQ_PRESENT || key == Q_CPUS_CONFIGURED
                    ? (long) QUERY_PLAIN.invokeExact(key)
                    : (long) QUERY.invokeExact(key);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The calling thread's region index now (mm_cid or cpu_id), -1 when not registered. */
    public static int currentRegion() {
        return (int) query(USE_MM_CID ? Q_MM_CID : Q_CPU_ID);
    }

    /** Aborts counted by every abort handler since the library loaded. */
    public static long aborts() {
        return query(Q_ABORTS);
    }

    /** Number of regions a slab needs: possible cpus (cpu ids and mm_cids stay below it). */
    public static int regionCount() {
        return (int) query(Q_CPUS_CONFIGURED);
    }

    /** The process-wide strategy: 0 no library, 1 glibc's area, 2 our own, 3 forced CAS, 4 librseq's, 5 unregistered. */
    public static int strategy() {
        return (int) query(Q_STRATEGY);
    }

    /** librseqalloc's shared constants by name (see {@link NativeContract}); empty when not loaded. */
    static Map<String, Long> contractTable() {
        return BOUND.contract();
    }

    /** Settings given bad values, in words (they fell back to their defaults). */
    public static List<String> settingWarnings() {
        return Settings.warnings();
    }

    /** The raw value of a setting (property, else variable), or null. */
    static String setting(Setting s) {
        return Settings.get(s);
    }

    // ---- binding ---------------------------------------------------------------------

    private static Bound bind() {
        NativeLibrary.Loaded lib = NativeLibrary.load();
        if (!lib.available()) {
            return unavailable(lib.failure(), null);
        }
        SymbolLookup symbols = lib.lookup();
        Map<String, Long> contract;
        try {
            contract = readContract(symbols);
        } catch (Throwable t) {
            return unavailable(
                    "librseqalloc (" + lib.source() + ") has no readable contract table: " + t, lib.source());
        }
        List<String> differences = NativeContract.differences(contract, NativeContract.javaSide());
        if (!differences.isEmpty()) {
            String why = "librseqalloc (" + lib.source() + ") does not match this allocator-core: "
                    + String.join("; ", differences);
            System.err.println("rseqalloc: ERROR: " + why + ". rseq is off; every thread uses the CAS caches.");
            return unavailable(why, lib.source());
        }
        try {
            MethodHandle init = plain(symbols, "ra_init", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
            int flags = (FORCE_CAS ? INIT_FORCE_CAS : 0)
                    | (SELF_REGISTER ? 0 : INIT_NO_SELF_REGISTER)
                    | (LIBRSEQ_REGISTER ? INIT_LIBRSEQ_REGISTER : 0);
            long strategy = (long) init.invokeExact(flags);
            MethodHandle query = critical(symbols, "ra_query", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
            boolean useMmCid = chooseMmCid((long) query.invokeExact(Q_MM_CID_AVAILABLE) != 0);
            String suffix = useMmCid ? "_cid" : "_cpu";
            return new Bound(
                    null,
                    lib.source(),
                    Collections.unmodifiableMap(contract),
                    strategy,
                    useMmCid,
                    plain(symbols, "ra_attach_thread", FunctionDescriptor.of(JAVA_INT)),
                    query,
                    plain(symbols, "ra_query", FunctionDescriptor.of(JAVA_LONG, JAVA_INT)),
                    plain(symbols, "ra_fence", FunctionDescriptor.of(JAVA_INT, JAVA_INT)),
                    critical(symbols, "ra_set_inject_delay", FunctionDescriptor.ofVoid(JAVA_LONG)),
                    critical(symbols, "ra_noop", FunctionDescriptor.of(JAVA_LONG)),
                    critical(symbols, "ra_rdtscp", FunctionDescriptor.of(JAVA_LONG)),
                    plain(symbols, "ra_rescan_librseq", FunctionDescriptor.of(JAVA_INT)),
                    plain(symbols, "ra_librseq_path", FunctionDescriptor.of(ADDRESS)),
                    critical(symbols, "ra_pop" + suffix, POP_DESC),
                    critical(symbols, "ra_push" + suffix, PUSH_DESC),
                    criticalHeap(symbols, "ra_pop_batch" + suffix, BATCH_DESC),
                    criticalHeap(symbols, "ra_push_batch" + suffix, BATCH_DESC),
                    critical(symbols, "ra_grow" + suffix, GROW_DESC),
                    critical(symbols, "ra_shrink" + suffix, SHRINK_DESC));
        } catch (Throwable t) {
            return unavailable("librseqalloc (" + lib.source() + ") could not be bound: " + t, lib.source());
        }
    }

    /** Reads {@code ra_contract()}: entries of {name, value} up to a NULL name. */
    private static Map<String, Long> readContract(SymbolLookup symbols) throws Throwable {
        MethodHandle h = plain(symbols, "ra_contract", FunctionDescriptor.of(ADDRESS));
        long entry = 2L * Long.BYTES;
        MemorySegment table = ((MemorySegment) h.invokeExact()).reinterpret(entry * 4096);
        Map<String, Long> out = new LinkedHashMap<>();
        for (long i = 0; ; i++) {
            MemorySegment name = table.get(ADDRESS, i * entry);
            if (name.equals(MemorySegment.NULL)) {
                return out;
            }
            out.put(name.reinterpret(256).getString(0), table.get(JAVA_LONG, i * entry + Long.BYTES));
        }
    }

    /** Handles that keep every method safe when there is no library (and no contract: no native code runs). */
    private static Bound unavailable(String why, String source) {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle query = lookup.findStatic(
                    RseqNative.class, "unavailableQuery", MethodType.methodType(long.class, int.class));
            MethodHandle rdtscp =
                    lookup.findStatic(RseqNative.class, "unavailableRdtscp", MethodType.methodType(long.class));
            return new Bound(
                    why,
                    source,
                    Map.of(),
                    STRATEGY_NONE,
                    false,
                    constant(FunctionDescriptor.of(JAVA_INT), RseqMode.CAS_UNAVAILABLE.code()),
                    query,
                    query,
                    constant(FunctionDescriptor.of(JAVA_INT, JAVA_INT), FENCE_NOT_NEEDED),
                    MethodHandles.empty(FunctionDescriptor.ofVoid(JAVA_LONG).toMethodType()),
                    constant(FunctionDescriptor.of(JAVA_LONG), 0L),
                    rdtscp,
                    constant(FunctionDescriptor.of(JAVA_INT), LIBRSEQ_NONE),
                    constant(FunctionDescriptor.of(ADDRESS), MemorySegment.NULL),
                    constant(POP_DESC, NOT_REGISTERED),
                    constant(PUSH_DESC, NOT_REGISTERED),
                    constant(BATCH_DESC, NOT_REGISTERED),
                    constant(BATCH_DESC, NOT_REGISTERED),
                    constant(GROW_DESC, NOT_REGISTERED),
                    constant(SHRINK_DESC, NOT_REGISTERED));
        } catch (ReflectiveOperationException e) {
            throw new LinkageError("our own static methods are missing", e);
        }
    }

    private static MethodHandle constant(FunctionDescriptor d, Object value) {
        MethodType type = d.toMethodType();
        return MethodHandles.dropArguments(MethodHandles.constant(type.returnType(), value), 0, type.parameterList());
    }

    @SuppressWarnings("unused") // via method handle
    private static long unavailableQuery(int key) {
        return switch (key) {
            case Q_STRATEGY -> STRATEGY_NONE;
            case Q_THREAD_MODE -> RseqMode.CAS_UNAVAILABLE.code();
            case Q_THREAD_REASON -> RseqReason.NO_LIBRARY.code();
            case Q_GLIBC_RSEQ_SIZE, Q_CPU_ID, Q_MM_CID, Q_MEMBARRIER_ERRNO, Q_LIBRSEQ_RSEQ_SIZE -> -1;
            case Q_CPUS_CONFIGURED -> possibleCpus();
            default -> 0;
        };
    }

    @SuppressWarnings("unused") // via method handle
    private static long unavailableRdtscp() {
        throw new IllegalStateException("rdtscp needs librseqalloc, which is not available: " + UNAVAILABLE_REASON);
    }

    /** What ra_query(RA_Q_CPUS_CONFIGURED) would say, from Java: the kernel's possible cpus. */
    private static long possibleCpus() {
        int java = Runtime.getRuntime().availableProcessors();
        try {
            String list = Files.readString(Path.of("/sys/devices/system/cpu/possible"))
                    .trim();
            int max = -1;
            for (String part : list.split("[,-]", -1)) {
                if (!part.isBlank()) {
                    max = Math.max(max, Integer.parseInt(part.trim()));
                }
            }
            return Math.max(max + 1, java);
        } catch (IOException | RuntimeException e) {
            return java;
        }
    }

    private static boolean chooseMmCid(boolean available) {
        // mm_cid (the default) falls back to cpu_id where the kernel or the registration lacks it.
        return Settings.choice(Setting.INDEX).equals("mm_cid") && available;
    }

    private static MethodHandle critical(SymbolLookup symbols, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(symbols, name), descriptor, CRITICAL);
    }

    private static MethodHandle criticalHeap(SymbolLookup symbols, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(symbols, name), descriptor, CRITICAL_HEAP);
    }

    private static MethodHandle plain(SymbolLookup symbols, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(symbols, name), descriptor);
    }

    private static MemorySegment symbol(SymbolLookup symbols, String name) {
        return symbols.find(name).orElseThrow(() -> new IllegalStateException("librseqalloc lacks symbol " + name));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
