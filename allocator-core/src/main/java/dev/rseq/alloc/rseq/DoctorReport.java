package dev.rseq.alloc.rseq;

import dev.rseq.alloc.config.Setting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text and JSON of {@code doctor}: the calling thread's rseq mode, why, and the process
 * facts behind it (strategy, sizes, region index, membarrier, librseq, loading), in words a
 * user can act on. Both forms come from the same {@link #lines} so that the JSON carries
 * everything the text says. Kept here rather than in the CLI so that tests can check it
 * without the bench module. See docs/coexistence.md for the background of every line.
 */
public final class DoctorReport {
    static final int CPU_ID_UNINITIALIZED = -1;
    static final int CPU_ID_REGISTRATION_FAILED = -2;
    /** {@code offsetof(struct rseq, mm_cid) + 4}: the bytes a registration must cover to read mm_cid. */
    static final int MM_CID_END = 28;

    static final int NODE_ID_END = 24;
    static final int ORIGINAL_FEATURE_SIZE = 20;
    static final int ORIGINAL_AREA_SIZE = 32;

    private DoctorReport() {}

    /**
     * Process facts that are not per thread and not in {@link RseqReport}.
     *
     * @param indexSetting       {@code rseqalloc.index} / {@code RSEQALLOC_INDEX} as given, or null
     * @param ownRegistrations   threads this library registered itself (strategy own), process total
     * @param ownUnregistrations of those, unregistered again at thread exit
     * @param possibleCpus       regions a slab has (cpu ids and mm_cids stay below it)
     * @param injectVariant      the delay-injecting test build is loaded
     * @param ownLive            threads running on this library's own registration now
     * @param featureAlign       {@code getauxval(AT_RSEQ_ALIGN)}, 0 before Linux 6.3
     * @param librseqState       0 none, 1 adopted at start, 2 adopted later, 3 loaded later but blocked
     * @param librseqPresent     a librseq is loaded in the process now
     * @param librseqPath        where, or null
     * @param librseqRseqSize    its {@code rseq_size}, -1 when none was adopted
     * @param librseqDelegated   threads this library registered through librseq
     * @param selfRegister       {@code rseqalloc.selfRegister}
     * @param librseqRegister    {@code rseqalloc.librseqRegister}
     * @param nativeSource       where librseqalloc was loaded from, or null
     * @param unavailableReason  why librseqalloc is not available, or null
     * @param settingWarnings    settings given bad values
     */
    public record ProcessFacts(
            String indexSetting,
            long ownRegistrations,
            long ownUnregistrations,
            int possibleCpus,
            boolean injectVariant,
            long ownLive,
            long featureAlign,
            int librseqState,
            boolean librseqPresent,
            String librseqPath,
            long librseqRseqSize,
            long librseqDelegated,
            boolean selfRegister,
            boolean librseqRegister,
            String nativeSource,
            String unavailableReason,
            List<String> settingWarnings) {
        /** The facts of this process now. */
        public static ProcessFacts current() {
            return new ProcessFacts(
                    RseqNative.setting(Setting.INDEX),
                    RseqNative.query(RseqNative.Q_OWN_REGISTRATIONS),
                    RseqNative.query(RseqNative.Q_OWN_UNREGISTRATIONS),
                    RseqNative.regionCount(),
                    RseqNative.query(RseqNative.Q_INJECT_DELAY) != 0,
                    RseqNative.query(RseqNative.Q_OWN_LIVE),
                    RseqNative.query(RseqNative.Q_FEATURE_ALIGN),
                    (int) RseqNative.query(RseqNative.Q_LIBRSEQ_STATE),
                    RseqNative.query(RseqNative.Q_LIBRSEQ_PRESENT) != 0,
                    RseqNative.librseqPath(),
                    RseqNative.query(RseqNative.Q_LIBRSEQ_RSEQ_SIZE),
                    RseqNative.query(RseqNative.Q_LIBRSEQ_DELEGATED),
                    RseqNative.SELF_REGISTER,
                    RseqNative.LIBRSEQ_REGISTER,
                    RseqNative.librarySource(),
                    RseqNative.unavailableReason(),
                    RseqNative.settingWarnings());
        }

        /** Facts of a plain process (no librseq, default settings, library loaded): for tests. */
        public static ProcessFacts plain(
                String indexSetting,
                long ownRegistrations,
                long ownUnregistrations,
                int possibleCpus,
                boolean injectVariant) {
            return new ProcessFacts(
                    indexSetting,
                    ownRegistrations,
                    ownUnregistrations,
                    possibleCpus,
                    injectVariant,
                    ownRegistrations - ownUnregistrations,
                    32,
                    RseqNative.LIBRSEQ_NONE,
                    false,
                    null,
                    -1,
                    0,
                    true,
                    false,
                    "extracted to /tmp/rseqalloc-1-1/librseqalloc.so",
                    null,
                    List.of());
        }

        /** The JSON fields of these facts. */
        Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("indexSetting", indexSetting);
            m.put("regions", possibleCpus);
            m.put("ownRegistrations", ownRegistrations);
            m.put("ownUnregistrations", ownUnregistrations);
            m.put("ownLive", ownLive);
            m.put("featureAlign", featureAlign);
            m.put("librseqState", librseqStateName(librseqState));
            m.put("librseqPresent", librseqPresent);
            m.put("librseqPath", librseqPath);
            m.put("librseqRseqSize", librseqRseqSize);
            m.put("librseqDelegated", librseqDelegated);
            m.put("selfRegister", selfRegister);
            m.put("librseqRegister", librseqRegister);
            m.put("injectVariant", injectVariant);
            m.put("nativeAvailable", unavailableReason == null);
            m.put("nativeSource", nativeSource);
            m.put("unavailableReason", unavailableReason);
            return m;
        }
    }

    /**
     * One line of the report. {@code noteKey} is the JSON field holding {@code text};
     * {@code rawKeys} are the JSON fields holding the same facts as numbers or names.
     */
    record Line(String section, String key, String text, String noteKey, List<String> rawKeys) {}

    static String librseqStateName(int state) {
        return switch (state) {
            case RseqNative.LIBRSEQ_ADOPTED -> "adopted";
            case RseqNative.LIBRSEQ_ADOPTED_LATE -> "adopted-late";
            case RseqNative.LIBRSEQ_BLOCKED -> "blocked";
            default -> "none";
        };
    }

    /** The report for {@code r} (taken on the calling thread) with this process's facts. */
    public static String text(RseqReport r) {
        return text(r, ProcessFacts.current());
    }

    /** The report for {@code r} with the given process facts (tests pass synthetic ones). */
    public static String text(RseqReport r, ProcessFacts p) {
        StringBuilder out = new StringBuilder();
        String section = null;
        for (Line l : lines(r, p)) {
            if (!l.section().equals(section)) {
                out.append(section == null ? "" : "\n")
                        .append(l.section().equals("thread") ? "rseq doctor: calling thread" : l.section())
                        .append('\n');
                section = l.section();
            }
            out.append(String.format(Locale.ROOT, "  %-19s %s%n", l.key(), l.text()));
        }
        return out.toString();
    }

    /**
     * Everything {@link #text} says, as one JSON object on one line: the raw fields of the
     * report and the facts, each text line under its note field, {@code warnings} as a
     * list, then {@code extra} (the CLI's self-test).
     */
    public static String json(RseqReport r, ProcessFacts p, Map<String, ?> extra) {
        Map<String, Object> m = new LinkedHashMap<>(r.fields());
        m.put("why", r.explanation());
        m.putAll(p.fields());
        List<String> warnings = new ArrayList<>();
        for (Line l : lines(r, p)) {
            if (l.key().equals("warning")) {
                warnings.add(l.text());
            } else if (l.noteKey() != null) {
                m.putIfAbsent(l.noteKey(), l.text());
            }
        }
        m.put("warnings", warnings);
        m.putAll(extra);
        return JsonText.object(m);
    }

    /** The lines of the report, in order. */
    static List<Line> lines(RseqReport r, ProcessFacts p) {
        List<Line> out = new ArrayList<>();
        String t = "thread";
        add(
                out,
                t,
                "mode",
                r.mode().label()
                        + (r.mode().usesRseq() ? " (per-CPU slab through rseq critical sections)" : " (CAS caches)"),
                "modeNote",
                "mode");
        add(out, t, "reason", r.reason().label(), null, "reason");
        add(out, t, "why", r.explanation(), "why");
        add(out, t, "cpu_id", r.cpuId() + cpuIdMeaning(r.cpuId()), "cpuIdNote", "cpuId");
        add(out, t, "mm_cid", r.mmCid() < 0 ? "-" : Long.toString(r.mmCid()), null, "mmCid");
        add(out, t, "registration errno", r.errnoName() == null ? "none" : r.errnoName(), null, "errno");
        add(out, t, "__rseq_refcount", r.refcount() + refcountMeaning(r), "refcountNote", "refcount");

        String s = "process";
        add(
                out,
                s,
                "native library",
                nativeLibrary(p),
                "nativeNote",
                "nativeAvailable",
                "nativeSource",
                "unavailableReason");
        add(out, s, "strategy", strategy(r), "strategyNote", "strategy");
        add(
                out,
                s,
                "glibc",
                (r.glibcVersion() == null ? "unknown" : r.glibcVersion()) + ", __rseq_size = "
                        + (r.rseqSize() < 0 ? "absent (glibc < 2.35: no rseq support in libc)" : r.rseqSize())
                        + (r.rseqSize() == 0
                                ? " (glibc did not register: tunable glibc.pthread.rseq=0 or rseq() failed)"
                                : ""),
                "glibcNote",
                "glibcVersion",
                "rseqSize");
        String fixUp = sizeFixUp(r, p);
        if (fixUp != null) {
            add(out, s, "size fix-up", fixUp, "sizeFixUp");
        }
        add(
                out,
                s,
                "kernel",
                r.kernel() + ", AT_RSEQ_FEATURE_SIZE = " + r.featureSize()
                        + ", AT_RSEQ_ALIGN = " + p.featureAlign()
                        + (r.featureSize() == 0 ? " (kernel before 6.3: only the original 20-byte feature set)" : ""),
                "kernelNote",
                "kernel",
                "featureSize",
                "featureAlign");
        add(out, s, "usable size", usable(r), "usableNote", "usableSize");
        add(out, s, "mm_cid", mmCid(r), "mmCidNote", "mmCidAvailable");
        add(out, s, "region index", index(r, p), "indexNote", "indexedBy", "indexSetting");
        add(
                out,
                s,
                "membarrier",
                membarrier(r)
                        + (r.mode().usesRseq()
                                ? ""
                                : "; this thread runs no critical sections, so fences do not concern it"),
                "membarrierNote",
                "membarrierErrno");
        add(
                out,
                s,
                "librseq",
                librseq(r, p),
                "librseqNote",
                "librseqState",
                "librseqPresent",
                "librseqPath",
                "librseqRseqSize",
                "librseqDelegated",
                "librseqRegister");
        add(
                out,
                s,
                "self-registration",
                (p.selfRegister() ? "allowed" : "forbidden") + " (rseqalloc.selfRegister="
                        + p.selfRegister() + "); " + p.ownRegistrations() + " thread(s) registered by this library, "
                        + p.ownUnregistrations() + " unregistered again at thread exit, " + p.ownLive()
                        + " running on it now",
                "selfRegisterNote",
                "selfRegister",
                "ownRegistrations",
                "ownUnregistrations",
                "ownLive");
        add(out, s, "regions", p.possibleCpus() + " (possible cpus)", null, "regions");
        add(
                out,
                s,
                "aborts",
                r.aborts() + " critical-section aborts so far, process-wide"
                        + (p.injectVariant() ? " (delay-injecting test build loaded)" : ""),
                "abortsNote",
                "aborts",
                "injectVariant");
        for (String w : warnings(r, p)) {
            add(out, s, "warning", w, null, "warnings");
        }
        return out;
    }

    private static void add(List<Line> out, String section, String key, String text, String noteKey, String... raw) {
        out.add(new Line(section, key, text, noteKey, List.of(raw)));
    }

    /** What the user should know and may act on. */
    static List<String> warnings(RseqReport r, ProcessFacts p) {
        List<String> w = new ArrayList<>(p.settingWarnings());
        if (p.unavailableReason() != null) {
            w.add("librseqalloc is not available, so no thread uses rseq: " + p.unavailableReason());
        }
        if (p.librseqPresent() && p.ownLive() > 0) {
            w.add("librseq is loaded while " + p.ownLive() + " thread(s) run on this library's own rseq"
                    + " registration: if librseq's user registers one of them, rseq_register_current_thread() fails"
                    + " (EINVAL) and librseq aborts the process once it has registered any thread. Start the JVM"
                    + " with -Drseqalloc.selfRegister=false (RSEQALLOC_SELF_REGISTER=false) when librseq is loaded"
                    + " after the allocator starts.");
        }
        if (r.reason() == RseqReason.LIBRSEQ_PENDING && !p.librseqRegister()) {
            w.add("this thread waits for librseq's user to register it. If no code in the process calls"
                    + " rseq_register_current_thread() on threads after they first allocate,"
                    + " -Drseqalloc.librseqRegister=true lets the allocator register them through librseq.");
        }
        return w;
    }

    private static String nativeLibrary(ProcessFacts p) {
        return p.unavailableReason() == null
                ? "loaded (" + p.nativeSource() + ")"
                : "NOT AVAILABLE: " + p.unavailableReason();
    }

    private static String cpuIdMeaning(int cpuId) {
        return switch (cpuId) {
            case CPU_ID_UNINITIALIZED -> " (RSEQ_CPU_ID_UNINITIALIZED: no registration of this area on this thread)";
            case CPU_ID_REGISTRATION_FAILED -> " (RSEQ_CPU_ID_REGISTRATION_FAILED: glibc tried to register and failed)";
            default -> cpuId >= 0 ? " (the cpu this thread ran on when asked)" : "";
        };
    }

    private static String refcountMeaning(RseqReport r) {
        if (!"own".equals(r.strategy())) {
            return " (unused: the library does not own registrations in this strategy)";
        }
        return r.refcount() > 0
                ? " (this thread holds the shared __rseq_abi registration; dropped at thread exit)"
                : " (no reference held)";
    }

    private static String strategy(RseqReport r) {
        return switch (r.strategy()) {
            case "glibc" ->
                "glibc: glibc registered an area for every thread at %fs:" + r.rseqOffset()
                        + " (__rseq_offset); the library reads it and never calls rseq() itself";
            case "librseq" ->
                "librseq: glibc does not register and librseq owns registration; the library uses"
                        + " librseq's area at %fs:" + r.rseqOffset()
                        + " (rseq_offset) on the threads librseq registered";
            case "own" ->
                "own: glibc does not register and no librseq is loaded, so each thread registers the"
                        + " library's __rseq_abi (%fs:" + r.rseqOffset() + ") on first use, if that area is still"
                        + " unregistered";
            case "unregistered" ->
                "unregistered: glibc does not register, no librseq is loaded, and"
                        + " rseqalloc.selfRegister=false: no thread uses rseq until a librseq is loaded";
            case "forced-cas" ->
                "forced-cas: rseq disabled by -Drseqalloc.forceCas=true / RSEQALLOC_FORCE_CAS=1;"
                        + " no area is read and nothing is registered";
            default -> "none: librseqalloc is not loaded; every thread uses the CAS caches";
        };
    }

    private static String librseq(RseqReport r, ProcessFacts p) {
        String where = p.librseqPath() == null ? "" : " (" + p.librseqPath() + ")";
        String registering = p.librseqRegister()
                ? "; the library registers unregistered threads through it (rseqalloc.librseqRegister=true, "
                        + p.librseqDelegated() + " so far)"
                : "; the library never registers threads through it (rseqalloc.librseqRegister=false)";
        return switch (p.librseqState()) {
            case RseqNative.LIBRSEQ_ADOPTED ->
                "owns registration" + where + ", found at start; rseq_size = " + p.librseqRseqSize() + registering;
            case RseqNative.LIBRSEQ_ADOPTED_LATE ->
                "owns registration" + where + ", loaded after start and adopted"
                        + " when no thread ran on this library's own registration; rseq_size = " + p.librseqRseqSize()
                        + registering;
            case RseqNative.LIBRSEQ_BLOCKED ->
                "loaded after start" + where + " while this library ran threads on its"
                        + " own registration: not adopted until those exit, and no new thread is registered by this"
                        + " library meanwhile";
            default ->
                !p.librseqPresent()
                        ? "not loaded"
                        : "glibc".equals(r.strategy())
                                ? "loaded" + where + "; it defers to glibc's registration, so it"
                                        + " and this library share glibc's area"
                                : "loaded" + where + "; unused in strategy " + r.strategy();
        };
    }

    /** The registrant exports a __rseq_size / rseq_size that is not the usable size in two historical cases. */
    private static String sizeFixUp(RseqReport r, ProcessFacts p) {
        long exported;
        String who;
        if ("glibc".equals(r.strategy())) {
            exported = r.rseqSize();
            who = "glibc";
        } else if ("librseq".equals(r.strategy())) {
            exported = p.librseqRseqSize();
            who = "librseq";
        } else {
            return null;
        }
        long kernel = r.featureSize() == 0 ? ORIGINAL_FEATURE_SIZE : r.featureSize();
        if (exported == ORIGINAL_FEATURE_SIZE || exported == ORIGINAL_AREA_SIZE || exported == 0) {
            String why = exported == ORIGINAL_FEATURE_SIZE
                    ? "glibc exports 20 (the original feature set: glibc 2.40, and 2.35-2.39 stable updates with the fix)"
                    : exported == ORIGINAL_AREA_SIZE
                            ? "glibc exports 32 (glibc 2.35-2.39 as first released: the original allocation, not a feature size)"
                            : "librseq exports 0 until its first thread registers";
            return why + " but registers the original 32-byte area, so usable = min(32, feature size " + kernel + ") = "
                    + Math.min(ORIGINAL_AREA_SIZE, kernel);
        }
        return "none needed: " + who + " exports the active feature size, usable = min(rseq size, feature size)";
    }

    private static String usable(RseqReport r) {
        long u = r.usableSize();
        if (u == 0) {
            return "0 bytes (nothing is read" + ("forced-cas".equals(r.strategy()) ? " in forced CAS mode)" : ")");
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
            return "forced-cas".equals(r.strategy()) ? "not read (forced CAS)" : "not read";
        }
        return r.featureSize() < MM_CID_END
                ? "not available: the kernel's feature size " + r.featureSize()
                        + " does not cover it (needs Linux 6.3+)"
                : "not available: the registration covers only " + r.usableSize() + " bytes";
    }

    private static String index(RseqReport r, ProcessFacts p) {
        String setting = p.indexSetting() == null || p.indexSetting().isEmpty() ? null : p.indexSetting();
        String why;
        if ("mm_cid".equals(r.indexedBy())) {
            why = setting == null
                    ? "the default when mm_cid is available"
                    : "asked for with rseqalloc.index=" + setting;
            why += ": ids are compact in [0, min(threads, cpus)), so few regions get touched";
        } else if (setting != null && setting.toLowerCase(Locale.ROOT).startsWith("cpu")) {
            why = "asked for with rseqalloc.index=" + setting;
        } else if (r.usableSize() == 0) {
            why = "irrelevant: no slab is used" + ("forced-cas".equals(r.strategy()) ? " in forced CAS mode" : "");
        } else {
            why = "mm_cid is not available" + (setting != null ? " (rseqalloc.index=" + setting + " ignored)" : "");
        }
        String unused =
                r.mode().usesRseq() || r.usableSize() == 0 ? "" : "; unused by this thread, which runs the CAS caches";
        return r.indexedBy() + " (" + why + ")" + unused;
    }

    private static String membarrier(RseqReport r) {
        long e = r.membarrierErrno();
        if (e == 0) {
            return "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ registered: a cross-CPU drain aborts in-flight sections"
                    + " with one membarrier call (targeted at one cpu with cpu_id indexing, all cpus with mm_cid)";
        }
        if (e < 0) {
            return "not registered (no library): nothing to fence";
        }
        return "unavailable (" + Errno.name((int) e) + "): cross-CPU drains fall back to running the draining thread"
                + " once on each cpu (slower, still correct)"
                + (e == 38
                        ? "; ENOSYS usually means seccomp or an old kernel"
                        : e == 22 ? "; EINVAL means a kernel before 5.10 without the rseq membarrier command" : "");
    }
}
