package dev.rseq.alloc.rseq;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls into librseqalloc. The slab operations are {@code critical} downcalls (no
 * thread-state transition: they are short, never block and never call back), built once
 * as {@code static final} handles so the JIT inlines them as constants.
 *
 * <p>The process-wide choices happen in this class's initializer, in this order:
 * {@code ra_init} (glibc's area, our own, or forced CAS), then the region index
 * ({@code mm_cid} when the kernel and the registration cover it, else {@code cpu_id}).
 *
 * <p>Switches: {@code -Drseqalloc.forceCas=true} or {@code RSEQALLOC_FORCE_CAS=1} force
 * CAS mode for the whole process; {@code -Drseqalloc.index=cpu_id|mm_cid} or
 * {@code RSEQALLOC_INDEX} choose the region index.
 */
public final class RseqNative {
    /** A slab operation found no usable registration on this thread; the slab is untouched. */
    public static final long NOT_REGISTERED = -1;
    /** A remote editor fenced the region; the slab is untouched. */
    public static final long STOPPED = -2;

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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);
    /** Batch operations read and write a Java long[] directly. */
    private static final Linker.Option CRITICAL_HEAP = Linker.Option.critical(true);

    private static final MethodHandle INIT = plain("ra_init", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle ATTACH = plain("ra_attach_thread", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle QUERY = critical("ra_query", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle FENCE = plain("ra_fence", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SET_DELAY = critical("ra_set_inject_delay", FunctionDescriptor.ofVoid(JAVA_LONG));
    private static final MethodHandle NOOP = critical("ra_noop", FunctionDescriptor.of(JAVA_LONG));

    /** True when {@code -Drseqalloc.forceCas} / {@code RSEQALLOC_FORCE_CAS} forced CAS mode. */
    public static final boolean FORCE_CAS = switchOn("rseqalloc.forceCas", "RSEQALLOC_FORCE_CAS");
    private static final long STRATEGY = init(FORCE_CAS);
    /** True when regions are indexed by mm_cid, false for cpu_id. */
    public static final boolean USE_MM_CID = chooseMmCid();

    private static final String SUFFIX = USE_MM_CID ? "_cid" : "_cpu";
    private static final FunctionDescriptor POP_DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT);
    private static final FunctionDescriptor PUSH_DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG);
    private static final FunctionDescriptor BATCH_DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle POP = critical("ra_pop" + SUFFIX, POP_DESC);
    private static final MethodHandle PUSH = critical("ra_push" + SUFFIX, PUSH_DESC);
    private static final MethodHandle POP_BATCH = criticalHeap("ra_pop_batch" + SUFFIX, BATCH_DESC);
    private static final MethodHandle PUSH_BATCH = criticalHeap("ra_push_batch" + SUFFIX, BATCH_DESC);
    private static final MethodHandle GROW = critical("ra_grow" + SUFFIX,
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SHRINK = critical("ra_shrink" + SUFFIX,
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT));

    private RseqNative() {
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
            return (long) POP_BATCH.invokeExact(base, regionSize, cls,
                    MemorySegment.ofArray(buf).asSlice((long) offset * Long.BYTES), n);
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
            return (long) PUSH_BATCH.invokeExact(base, regionSize, cls,
                    MemorySegment.ofArray(buf).asSlice((long) offset * Long.BYTES), n);
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

    /** An empty critical downcall: the floor every per-operation native design pays. */
    public static long noop() {
        try {
            return (long) NOOP.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Attaches the calling OS thread (the carrier, for a virtual thread): in the OWN
     * strategy this registers our area if nobody did. Idempotent per OS thread.
     */
    public static RseqMode attachCurrentThread() {
        try {
            return RseqMode.ofCode((int) ATTACH.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Aborts critical sections in flight on {@code region} (all regions when negative) and
     * publishes the caller's earlier stores to sections that start later. With mm_cid
     * indexing a region is not a cpu, so every cpu is fenced.
     * @return 0 by membarrier, 1 by the migration fallback
     */
    public static int fence(int region) {
        try {
            int rc = (int) FENCE.invokeExact(USE_MM_CID ? -1 : region);
            if (rc < 0) {
                throw new IllegalStateException("rseq fence failed: errno " + (-rc));
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
            return (long) QUERY.invokeExact(key);
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

    /** The process-wide strategy: 1 glibc's area, 2 our own, 3 forced CAS. */
    public static int strategy() {
        return (int) STRATEGY;
    }

    private static long init(boolean forceCas) {
        try {
            return (long) INIT.invokeExact(forceCas ? 1 : 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static boolean chooseMmCid() {
        String choice = setting("rseqalloc.index", "RSEQALLOC_INDEX");
        boolean available = query(Q_MM_CID_AVAILABLE) != 0;
        if (choice == null || choice.isEmpty()) {
            return available;
        }
        return switch (choice.toLowerCase(Locale.ROOT)) {
            case "mm_cid", "cid" -> available;
            case "cpu_id", "cpu" -> false;
            default -> throw new IllegalArgumentException("rseqalloc.index must be cpu_id or mm_cid, not " + choice);
        };
    }

    static String setting(String property, String env) {
        String value = System.getProperty(property);
        return value != null ? value : System.getenv(env);
    }

    private static boolean switchOn(String property, String env) {
        String value = setting(property, env);
        return value != null && (value.equalsIgnoreCase("true") || value.equals("1") || value.equalsIgnoreCase("yes"));
    }

    private static MethodHandle critical(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CRITICAL);
    }

    private static MethodHandle criticalHeap(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CRITICAL_HEAP);
    }

    private static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    private static MemorySegment symbol(String name) {
        return NativeLibrary.lookup().find(name)
                .orElseThrow(() -> new IllegalStateException("librseqalloc lacks symbol " + name));
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
