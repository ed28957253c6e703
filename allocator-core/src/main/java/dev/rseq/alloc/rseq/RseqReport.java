package dev.rseq.alloc.rseq;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The calling thread's rseq situation and the process facts behind it: what {@code doctor}
 * prints. Taking a report attaches the calling thread.
 *
 * @param mode            this thread's mode
 * @param reason          why this thread is in its mode
 * @param errnoName       name of this thread's registration error, or null
 * @param strategy        none (no library), glibc, librseq, own, unregistered or forced-cas
 * @param rseqOffset      the area's offset from the thread pointer
 * @param rseqSize        glibc's {@code __rseq_size}, -1 when the symbol is absent
 * @param featureSize     {@code getauxval(AT_RSEQ_FEATURE_SIZE)}, 0 on kernels before 6.3
 * @param usableSize      bytes of {@code struct rseq} that both kernel and registration cover
 * @param cpuId           this thread's {@code cpu_id} (-1 uninitialized, -2 registration failed)
 * @param mmCid           this thread's {@code mm_cid}, -1 when not usable
 * @param mmCidAvailable  the kernel and the registration cover {@code mm_cid}
 * @param indexedBy       "mm_cid" or "cpu_id": how slabs pick a region
 * @param membarrierErrno 0 when {@code MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ} is registered, -1 not tried
 * @param refcount        this thread's {@code __rseq_refcount}
 * @param glibcVersion    {@code gnu_get_libc_version()}, null when not glibc
 * @param kernel          {@code os.version}
 * @param aborts          critical-section aborts counted so far, process-wide
 */
@SuppressWarnings("restricted") // FFM downcalls and reinterpret are this class's job; callers enable native access
public record RseqReport(
        RseqMode mode,
        RseqReason reason,
        String errnoName,
        String strategy,
        long rseqOffset,
        long rseqSize,
        long featureSize,
        long usableSize,
        int cpuId,
        long mmCid,
        boolean mmCidAvailable,
        String indexedBy,
        long membarrierErrno,
        long refcount,
        String glibcVersion,
        String kernel,
        long aborts) {

    /** Attaches the calling thread and describes it. */
    public static RseqReport ofCurrentThread() {
        RseqMode mode = RseqNative.attachCurrentThread();
        long err = RseqNative.query(RseqNative.Q_THREAD_ERRNO);
        return new RseqReport(
                mode,
                RseqNative.currentReason(),
                err == 0 ? null : Errno.name((int) err),
                strategyName(RseqNative.strategy()),
                RseqNative.query(RseqNative.Q_RSEQ_OFFSET),
                RseqNative.query(RseqNative.Q_GLIBC_RSEQ_SIZE),
                RseqNative.query(RseqNative.Q_FEATURE_SIZE),
                RseqNative.query(RseqNative.Q_USABLE_SIZE),
                (int) RseqNative.query(RseqNative.Q_CPU_ID),
                RseqNative.query(RseqNative.Q_MM_CID),
                RseqNative.query(RseqNative.Q_MM_CID_AVAILABLE) != 0,
                RseqNative.USE_MM_CID ? "mm_cid" : "cpu_id",
                RseqNative.query(RseqNative.Q_MEMBARRIER_ERRNO),
                RseqNative.query(RseqNative.Q_REFCOUNT),
                readGlibcVersion(),
                System.getProperty("os.version"),
                RseqNative.aborts());
    }

    static String strategyName(int code) {
        return switch (code) {
            case RseqNative.STRATEGY_GLIBC -> "glibc";
            case RseqNative.STRATEGY_OWN -> "own";
            case RseqNative.STRATEGY_FORCED -> "forced-cas";
            case RseqNative.STRATEGY_LIBRSEQ -> "librseq";
            case RseqNative.STRATEGY_UNREGISTERED -> "unregistered";
            default -> "none";
        };
    }

    /** One JSON object on one line. */
    public String toJson() {
        return JsonText.object(fields());
    }

    /** The report's fields by JSON name, in a stable order. */
    public java.util.LinkedHashMap<String, Object> fields() {
        java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("mode", mode.label());
        m.put("reason", reason.label());
        m.put("errno", errnoName);
        m.put("strategy", strategy);
        m.put("rseqOffset", rseqOffset);
        m.put("rseqSize", rseqSize);
        m.put("featureSize", featureSize);
        m.put("usableSize", usableSize);
        m.put("cpuId", cpuId);
        m.put("mmCid", mmCid);
        m.put("mmCidAvailable", mmCidAvailable);
        m.put("indexedBy", indexedBy);
        m.put("membarrierErrno", membarrierErrno);
        m.put("refcount", refcount);
        m.put("glibcVersion", glibcVersion);
        m.put("kernel", kernel);
        m.put("aborts", aborts);
        return m;
    }

    /** Why this thread is in its mode, in a sentence. */
    public String explanation() {
        String area = "%fs:" + rseqOffset;
        return switch (reason) {
            case GLIBC_REGISTERED ->
                "glibc " + glibcVersion + " registered rseq for this thread (__rseq_size = " + rseqSize
                        + "); the allocator uses glibc's area at " + area + " and registers nothing itself.";
            case GLIBC_FAILED ->
                "glibc tried to register rseq on this thread and failed (cpu_id -2); this thread"
                        + " uses the CAS caches.";
            case GLIBC_UNREGISTERED ->
                "another component owns this thread's rseq registration (glibc's area was"
                        + " unregistered); this thread uses the CAS caches, other threads are unaffected.";
            case OWN_REGISTERED ->
                "glibc does not register rseq here (__rseq_size = " + rseqSize + ") and no librseq"
                        + " is loaded, so the allocator registered its own __rseq_abi area on this thread (refcount "
                        + refcount + ") and unregisters it when the thread exits.";
            case OWN_SHARED ->
                "an early rseq user sharing __rseq_abi had registered it on this thread; the allocator"
                        + " uses that registration (refcount " + refcount + ").";
            case OWN_AREA_CLAIMED ->
                "another component claimed __rseq_abi on this thread without registering it;"
                        + " this thread uses the CAS caches.";
            case REGISTRATION_REFUSED ->
                "another component owns this thread's rseq registration (our rseq() failed" + " with " + errnoName
                        + "); this thread uses the CAS caches, other threads are unaffected.";
            case REGISTRATION_UNAVAILABLE ->
                "rseq cannot be registered on this thread (rseq() failed with " + errnoName
                        + ": old kernel, seccomp or valgrind); this thread uses the CAS caches.";
            case LIBRSEQ_REGISTERED ->
                "librseq owns rseq registration in this process (glibc does not register) and"
                        + " registered this thread; the allocator uses librseq's area at " + area
                        + ", shared with librseq's users, and registers nothing itself.";
            case LIBRSEQ_DELEGATED ->
                "librseq owns rseq registration in this process; the allocator registered this"
                        + " thread through librseq's rseq_register_current_thread() (rseqalloc.librseqRegister=true)"
                        + " and uses librseq's area at " + area + ".";
            case LIBRSEQ_PENDING ->
                "librseq owns rseq registration in this process and has not registered this"
                        + " thread; the allocator does not register threads through librseq unless"
                        + " rseqalloc.librseqRegister=true (librseq aborts the process when a thread it is asked to"
                        + " register is registered already), so this thread uses the CAS caches until librseq's user"
                        + " registers it.";
            case LIBRSEQ_LATE ->
                "librseq was loaded after this library had registered threads itself; so that"
                        + " librseq can register this thread, the allocator did not, and its critical sections stay on"
                        + " its own area until those threads exit: CAS caches for now.";
            case SELF_REGISTER_OFF ->
                "nobody registers rseq here (glibc does not, no librseq is loaded) and"
                        + " rseqalloc.selfRegister=false forbids the allocator to: CAS caches until a librseq is loaded"
                        + " and registers this thread.";
            case FORCED -> "CAS mode was forced (-Drseqalloc.forceCas=true or RSEQALLOC_FORCE_CAS=1).";
            case LIBRSEQ_FAILED ->
                "librseq's rseq_register_current_thread() failed on this thread"
                        + (errnoName != null ? " (" + errnoName + ")" : "") + "; this thread uses the CAS caches.";
            case NO_LIBRARY ->
                "librseqalloc is not available (" + RseqNative.unavailableReason()
                        + "); every thread uses the CAS caches.";
            case NONE -> "not attached";
        };
    }

    private static String readGlibcVersion() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle h = linker.downcallHandle(
                    linker.defaultLookup().find("gnu_get_libc_version").orElseThrow(), FunctionDescriptor.of(ADDRESS));
            MemorySegment s = (MemorySegment) h.invokeExact();
            return s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }
}
