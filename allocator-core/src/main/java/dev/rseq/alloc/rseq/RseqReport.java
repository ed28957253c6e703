package dev.rseq.alloc.rseq;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * The calling thread's rseq situation and the process facts behind it: what {@code doctor}
 * prints. Taking a report attaches the calling thread.
 *
 * @param mode            this thread's mode
 * @param errnoName       name of this thread's registration error, or null
 * @param strategy        glibc, own or forced
 * @param rseqOffset      the area's offset from the thread pointer
 * @param rseqSize        glibc's {@code __rseq_size}, -1 when the symbol is absent
 * @param featureSize     {@code getauxval(AT_RSEQ_FEATURE_SIZE)}, 0 on kernels before 6.3
 * @param usableSize      bytes of {@code struct rseq} that both kernel and registration cover
 * @param cpuId           this thread's {@code cpu_id} (-1 uninitialized, -2 registration failed)
 * @param mmCid           this thread's {@code mm_cid}, -1 when not usable
 * @param mmCidAvailable  the kernel and the registration cover {@code mm_cid}
 * @param indexedBy       "mm_cid" or "cpu_id": how slabs pick a region
 * @param membarrierErrno 0 when {@code MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ} is registered
 * @param refcount        this thread's {@code __rseq_refcount}
 * @param glibcVersion    {@code gnu_get_libc_version()}
 * @param kernel          {@code os.version}
 * @param aborts          critical-section aborts counted so far, process-wide
 */
public record RseqReport(RseqMode mode, String errnoName, String strategy, long rseqOffset, long rseqSize,
                         long featureSize, long usableSize, int cpuId, long mmCid, boolean mmCidAvailable,
                         String indexedBy, long membarrierErrno, long refcount, String glibcVersion,
                         String kernel, long aborts) {

    /** Attaches the calling thread and describes it. */
    public static RseqReport ofCurrentThread() {
        RseqMode mode = RseqNative.attachCurrentThread();
        long err = RseqNative.query(RseqNative.Q_THREAD_ERRNO);
        return new RseqReport(mode, err == 0 ? null : Errno.name((int) err),
                switch (RseqNative.strategy()) {
                    case 1 -> "glibc";
                    case 2 -> "own";
                    default -> "forced-cas";
                },
                RseqNative.query(RseqNative.Q_RSEQ_OFFSET), RseqNative.query(RseqNative.Q_GLIBC_RSEQ_SIZE),
                RseqNative.query(RseqNative.Q_FEATURE_SIZE), RseqNative.query(RseqNative.Q_USABLE_SIZE),
                (int) RseqNative.query(RseqNative.Q_CPU_ID), RseqNative.query(RseqNative.Q_MM_CID),
                RseqNative.query(RseqNative.Q_MM_CID_AVAILABLE) != 0, RseqNative.USE_MM_CID ? "mm_cid" : "cpu_id",
                RseqNative.query(RseqNative.Q_MEMBARRIER_ERRNO), RseqNative.query(RseqNative.Q_REFCOUNT),
                readGlibcVersion(), System.getProperty("os.version"), RseqNative.aborts());
    }

    /** One JSON object on one line. */
    public String toJson() {
        return "{\"mode\":\"" + mode.label() + "\""
                + ",\"errno\":" + (errnoName == null ? "null" : "\"" + errnoName + "\"")
                + ",\"strategy\":\"" + strategy + "\""
                + ",\"rseqOffset\":" + rseqOffset
                + ",\"rseqSize\":" + rseqSize
                + ",\"featureSize\":" + featureSize
                + ",\"usableSize\":" + usableSize
                + ",\"cpuId\":" + cpuId
                + ",\"mmCid\":" + mmCid
                + ",\"mmCidAvailable\":" + mmCidAvailable
                + ",\"indexedBy\":\"" + indexedBy + "\""
                + ",\"membarrierErrno\":" + membarrierErrno
                + ",\"refcount\":" + refcount
                + ",\"glibcVersion\":" + (glibcVersion == null ? "null" : "\"" + glibcVersion + "\"")
                + ",\"kernel\":\"" + kernel + "\""
                + ",\"aborts\":" + aborts + "}";
    }

    /** Why this thread is in its mode, in a sentence. */
    public String explanation() {
        return switch (mode) {
            case RSEQ_GLIBC -> "glibc " + glibcVersion + " registered rseq for this thread (__rseq_size = " + rseqSize
                    + "); the allocator uses glibc's area at %fs:" + rseqOffset + " and registers nothing itself.";
            case RSEQ_OWN -> "glibc does not register rseq here (__rseq_size = " + rseqSize
                    + "), so the allocator registered its own __rseq_abi area on this thread (refcount " + refcount + ").";
            case CAS_OWNED_ELSEWHERE -> "another component owns this thread's rseq registration"
                    + (errnoName != null ? " (our rseq() failed with " + errnoName + ")" : " (glibc's area was unregistered)")
                    + "; this thread uses the CAS caches, other threads are unaffected.";
            case CAS_UNAVAILABLE -> "rseq cannot be registered on this thread"
                    + (errnoName != null ? " (rseq() failed with " + errnoName + ": old kernel, seccomp or valgrind)"
                    : " (glibc's own registration failed)") + "; this thread uses the CAS caches.";
            case CAS_FORCED -> "CAS mode was forced (-Drseqalloc.forceCas=true or RSEQALLOC_FORCE_CAS=1).";
            case UNKNOWN -> "not attached";
        };
    }

    private static String readGlibcVersion() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle h = linker.downcallHandle(linker.defaultLookup().find("gnu_get_libc_version").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS));
            MemorySegment s = (MemorySegment) h.invokeExact();
            return s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }
}
