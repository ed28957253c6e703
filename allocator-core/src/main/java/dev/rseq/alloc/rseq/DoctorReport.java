package dev.rseq.alloc.rseq;

import java.util.Locale;

/**
 * The text of {@code doctor}: the calling thread's rseq mode, why, and the process facts
 * behind it (strategy, sizes, region index, membarrier), in words a user can act on.
 * Kept here rather than in the CLI so that tests can check it without the bench module.
 * See docs/coexistence.md for the background of every line.
 */
public final class DoctorReport {
    /** {@code offsetof(struct rseq, mm_cid) + 4}: the bytes a registration must cover to read mm_cid. */
    private static final int MM_CID_END = 28;
    private static final int NODE_ID_END = 24;
    private static final int ORIGINAL_FEATURE_SIZE = 20;
    private static final int ORIGINAL_AREA_SIZE = 32;

    private DoctorReport() {
    }

    /**
     * Process facts that are not per thread and not in {@link RseqReport}.
     *
     * @param indexSetting       {@code rseqalloc.index} / {@code RSEQALLOC_INDEX} as given, or null
     * @param ownRegistrations   threads this library registered itself (strategy own), process total
     * @param ownUnregistrations of those, unregistered again at thread exit
     * @param possibleCpus       regions a slab has (cpu ids and mm_cids stay below it)
     * @param injectVariant      the delay-injecting test build is loaded
     */
    public record ProcessFacts(String indexSetting, long ownRegistrations, long ownUnregistrations,
                               int possibleCpus, boolean injectVariant) {
        /** The facts of this process now. */
        public static ProcessFacts current() {
            return new ProcessFacts(RseqNative.setting("rseqalloc.index", "RSEQALLOC_INDEX"),
                    RseqNative.query(RseqNative.Q_OWN_REGISTRATIONS),
                    RseqNative.query(RseqNative.Q_OWN_UNREGISTRATIONS),
                    RseqNative.regionCount(), RseqNative.query(RseqNative.Q_INJECT_DELAY) != 0);
        }
    }

    /** The report for {@code r} (taken on the calling thread) with this process's facts. */
    public static String text(RseqReport r) {
        return text(r, ProcessFacts.current());
    }

    /** The report for {@code r} with the given process facts (tests pass synthetic ones). */
    public static String text(RseqReport r, ProcessFacts p) {
        StringBuilder out = new StringBuilder();
        out.append("rseq doctor: calling thread\n");
        line(out, "mode", r.mode().label() + (r.mode().usesRseq()
                ? " (per-CPU slab through rseq critical sections)" : " (CAS caches)"));
        line(out, "why", r.explanation());
        line(out, "cpu_id", r.cpuId() + cpuIdMeaning(r.cpuId()));
        line(out, "mm_cid", r.mmCid() < 0 ? "-" : Long.toString(r.mmCid()));
        line(out, "registration errno", r.errnoName() == null ? "none" : r.errnoName());
        line(out, "__rseq_refcount", r.refcount() + refcountMeaning(r));

        out.append("\nprocess\n");
        line(out, "strategy", strategy(r));
        line(out, "glibc", (r.glibcVersion() == null ? "unknown" : r.glibcVersion()) + ", __rseq_size = "
                + (r.rseqSize() < 0 ? "absent (glibc < 2.35: no rseq support in libc)" : r.rseqSize())
                + (r.rseqSize() == 0 ? " (glibc did not register: tunable glibc.pthread.rseq=0 or rseq() failed)" : ""));
        String fixUp = sizeFixUp(r);
        if (fixUp != null) {
            line(out, "size fix-up", fixUp);
        }
        line(out, "kernel", r.kernel() + ", AT_RSEQ_FEATURE_SIZE = " + r.featureSize()
                + (r.featureSize() == 0 ? " (kernel before 6.3: only the original 20-byte feature set)" : ""));
        line(out, "usable size", usable(r));
        line(out, "mm_cid", mmCid(r));
        line(out, "region index", index(r, p));
        line(out, "membarrier", membarrier(r) + (r.mode().usesRseq() ? ""
                : "; this thread runs no critical sections, so fences do not concern it"));
        if ("own".equals(r.strategy())) {
            line(out, "own registrations", p.ownRegistrations() + " thread(s) registered by this library, "
                    + p.ownUnregistrations() + " unregistered again at thread exit");
        }
        line(out, "regions", p.possibleCpus() + " (possible cpus)");
        line(out, "aborts", r.aborts() + " critical-section aborts so far, process-wide"
                + (p.injectVariant() ? " (delay-injecting test build loaded)" : ""));
        return out.toString();
    }

    private static void line(StringBuilder out, String key, String value) {
        out.append(String.format(Locale.ROOT, "  %-19s %s%n", key, value));
    }

    private static String cpuIdMeaning(int cpuId) {
        return switch (cpuId) {
            case -1 -> " (RSEQ_CPU_ID_UNINITIALIZED: no registration of this area on this thread)";
            case -2 -> " (RSEQ_CPU_ID_REGISTRATION_FAILED: glibc tried to register and failed)";
            default -> cpuId >= 0 ? " (the cpu this thread ran on when asked)" : "";
        };
    }

    private static String refcountMeaning(RseqReport r) {
        if (!"own".equals(r.strategy())) {
            return " (unused: the library does not own registrations in this strategy)";
        }
        return r.refcount() > 0 ? " (this thread holds the shared __rseq_abi registration; dropped at thread exit)"
                : " (no reference held)";
    }

    private static String strategy(RseqReport r) {
        return switch (r.strategy()) {
            case "glibc" -> "glibc: glibc registered an area for every thread at %fs:" + r.rseqOffset()
                    + " (__rseq_offset); the library reads it and never calls rseq() itself";
            case "own" -> "own: glibc does not register, so each thread registers the library's __rseq_abi"
                    + " (%fs:" + r.rseqOffset() + ") on first use, if that area is still unregistered";
            default -> "forced-cas: rseq disabled by -Drseqalloc.forceCas=true / RSEQALLOC_FORCE_CAS=1;"
                    + " no area is read and nothing is registered";
        };
    }

    /** glibc exports a __rseq_size that is not the usable size in two historical cases. */
    private static String sizeFixUp(RseqReport r) {
        if (!"glibc".equals(r.strategy())) {
            return null;
        }
        long kernel = r.featureSize() == 0 ? ORIGINAL_FEATURE_SIZE : r.featureSize();
        if (r.rseqSize() == ORIGINAL_FEATURE_SIZE || r.rseqSize() == ORIGINAL_AREA_SIZE) {
            String who = r.rseqSize() == ORIGINAL_FEATURE_SIZE
                    ? "glibc exports 20 (the original feature set: glibc 2.40, and 2.35-2.39 stable updates with the fix)"
                    : "glibc exports 32 (glibc 2.35-2.39 as first released: the original allocation, not a feature size)";
            return who + " but registers the original 32-byte area, so usable = min(32, feature size "
                    + kernel + ") = " + Math.min(ORIGINAL_AREA_SIZE, kernel);
        }
        return "none needed: glibc 2.41+ exports the active feature size, usable = min(__rseq_size, feature size)";
    }

    private static String usable(RseqReport r) {
        long u = r.usableSize();
        if (u == 0) {
            return "0 bytes (nothing is read in forced CAS mode)";
        }
        String fields = "cpu_id_start, cpu_id, rseq_cs, flags";
        if (u >= NODE_ID_END) {
            fields += ", node_id";
        }
        if (u >= MM_CID_END) {
            fields += ", mm_cid";
        }
        return u + " bytes: " + fields + " (a field counts only if both kernel and registration cover it)";
    }

    private static String mmCid(RseqReport r) {
        if (r.mmCidAvailable()) {
            return "available (usable size " + r.usableSize() + " >= 28; Linux 6.3+)";
        }
        if (r.usableSize() == 0) {
            return "not read (forced CAS)";
        }
        return r.featureSize() < MM_CID_END
                ? "not available: the kernel's feature size " + r.featureSize() + " does not cover it (needs Linux 6.3+)"
                : "not available: the registration covers only " + r.usableSize() + " bytes";
    }

    private static String index(RseqReport r, ProcessFacts p) {
        String setting = p.indexSetting() == null || p.indexSetting().isEmpty() ? null : p.indexSetting();
        String why;
        if ("mm_cid".equals(r.indexedBy())) {
            why = setting == null ? "the default when mm_cid is available" : "asked for with rseqalloc.index=" + setting;
            why += ": ids are compact in [0, min(threads, cpus)), so few regions get touched";
        } else if (setting != null && setting.toLowerCase(Locale.ROOT).startsWith("cpu")) {
            why = "asked for with rseqalloc.index=" + setting;
        } else if (r.usableSize() == 0) {
            why = "irrelevant: no slab is used in forced CAS mode";
        } else {
            why = "mm_cid is not available" + (setting != null ? " (rseqalloc.index=" + setting + " ignored)" : "");
        }
        String unused = r.mode().usesRseq() || r.usableSize() == 0 ? "" : "; unused by this thread, which runs the CAS caches";
        return r.indexedBy() + " (" + why + ")" + unused;
    }

    private static String membarrier(RseqReport r) {
        long e = r.membarrierErrno();
        if (e == 0) {
            return "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ registered: a cross-CPU drain aborts in-flight sections"
                    + " with one membarrier call (targeted at one cpu with cpu_id indexing, all cpus with mm_cid)";
        }
        String name = e < 0 ? "not tried" : Errno.name((int) e);
        return "unavailable (" + name + "): cross-CPU drains fall back to running the draining thread once on"
                + " each cpu (slower, still correct)" + (e == 38 ? "; ENOSYS usually means seccomp or an old kernel"
                : e == 22 ? "; EINVAL means a kernel before 5.10 without the rseq membarrier command" : "");
    }
}
