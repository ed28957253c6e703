package dev.rseq.alloc.rseq;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The numbers Java shares with librseqalloc, checked against the library itself.
 *
 * <p>librseqalloc exports every shared constant by name ({@code ra_contract()}, generated
 * from rseqalloc.h, which the assembly includes too). When the library loads,
 * {@link RseqNative} compares that table with {@link #javaSide()}: query keys, mode,
 * reason and strategy codes, result codes, the struct rseq sizes the doctor reasons with.
 * Any difference makes the library unusable for this process (the allocator falls back to
 * the CAS caches), is printed on stderr and is the {@link RseqNative#unavailableReason()},
 * naming each constant and both values. For the families Java mirrors completely (modes,
 * reasons, strategies, query keys, librseq states, init flags, fence results) a native name
 * Java does not know is a difference too.
 *
 * <p>Other Java code checks its own copies with {@link #require(String, long)}, for example
 * the slab layout: {@code RA_SLAB_CONTROL_WORD}, {@code RA_SLAB_FIRST_HEADER_WORD},
 * {@code RA_SLAB_HDR_CURRENT_SHIFT}, {@code RA_SLAB_HDR_END_SHIFT},
 * {@code RA_SLAB_HDR_BEGIN_SHIFT}, {@code RA_SLAB_HDR_FIELD_BITS}, {@code RA_SLAB_WORD_BYTES}.
 */
public final class NativeContract {
    /** The rseqalloc.h contract version this Java code was written against. */
    public static final int VERSION = 2;

    /** Name prefixes of the families Java mirrors completely. */
    private static final List<String> COMPLETE_FAMILIES =
            List.of("RA_MODE_", "RA_REASON_", "RA_STRATEGY_", "RA_Q_", "RA_LIBRSEQ_", "RA_INIT_", "RA_FENCE_");

    private NativeContract() {}

    /** Every shared constant as the loaded library defines it; empty when it is not loaded. */
    public static Map<String, Long> nativeValues() {
        return RseqNative.contractTable();
    }

    /** The library's value of {@code name} (such as {@code RA_SLAB_HDR_END_SHIFT}); empty when unknown or not loaded. */
    public static OptionalLong nativeValue(String name) {
        Long v = nativeValues().get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /**
     * Fails when the loaded library's {@code name} differs from {@code javaValue}, or the
     * library lacks it. Does nothing when no library is loaded: then no native code runs.
     * @throws IllegalStateException naming the constant and both values
     */
    public static void require(String name, long javaValue) {
        Map<String, Long> values = nativeValues();
        if (values.isEmpty()) {
            return;
        }
        Long v = values.get(name);
        if (v == null) {
            throw new IllegalStateException("librseqalloc contract: " + name + " is expected by Java (" + javaValue
                    + ") but the native library does not define it");
        }
        if (v != javaValue) {
            throw new IllegalStateException("librseqalloc contract: " + name + " is " + v
                    + " in the native library but " + javaValue + " in Java");
        }
    }

    /** What the Java code of this package assumes, by native name. */
    static Map<String, Long> javaSide() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("RA_CONTRACT_VERSION", (long) VERSION);
        m.put("RA_NOT_REGISTERED", RseqNative.NOT_REGISTERED);
        m.put("RA_STOPPED", RseqNative.STOPPED);
        for (RseqMode mode : RseqMode.values()) {
            m.put("RA_MODE_" + mode.name(), (long) mode.code());
        }
        for (RseqReason reason : RseqReason.values()) {
            m.put("RA_REASON_" + reason.name(), (long) reason.code());
        }
        m.put("RA_STRATEGY_NONE", (long) RseqNative.STRATEGY_NONE);
        m.put("RA_STRATEGY_GLIBC", (long) RseqNative.STRATEGY_GLIBC);
        m.put("RA_STRATEGY_OWN", (long) RseqNative.STRATEGY_OWN);
        m.put("RA_STRATEGY_FORCED", (long) RseqNative.STRATEGY_FORCED);
        m.put("RA_STRATEGY_LIBRSEQ", (long) RseqNative.STRATEGY_LIBRSEQ);
        m.put("RA_STRATEGY_UNREGISTERED", (long) RseqNative.STRATEGY_UNREGISTERED);
        m.put("RA_LIBRSEQ_NONE", (long) RseqNative.LIBRSEQ_NONE);
        m.put("RA_LIBRSEQ_ADOPTED", (long) RseqNative.LIBRSEQ_ADOPTED);
        m.put("RA_LIBRSEQ_ADOPTED_LATE", (long) RseqNative.LIBRSEQ_ADOPTED_LATE);
        m.put("RA_LIBRSEQ_BLOCKED", (long) RseqNative.LIBRSEQ_BLOCKED);
        m.put("RA_INIT_FORCE_CAS", (long) RseqNative.INIT_FORCE_CAS);
        m.put("RA_INIT_NO_SELF_REGISTER", (long) RseqNative.INIT_NO_SELF_REGISTER);
        m.put("RA_INIT_LIBRSEQ_REGISTER", (long) RseqNative.INIT_LIBRSEQ_REGISTER);
        m.put("RA_FENCE_MEMBARRIER", (long) RseqNative.FENCE_MEMBARRIER);
        m.put("RA_FENCE_MIGRATION", (long) RseqNative.FENCE_MIGRATION);
        m.put("RA_FENCE_NOT_NEEDED", (long) RseqNative.FENCE_NOT_NEEDED);
        m.put("RA_Q_STRATEGY", (long) RseqNative.Q_STRATEGY);
        m.put("RA_Q_RSEQ_OFFSET", (long) RseqNative.Q_RSEQ_OFFSET);
        m.put("RA_Q_GLIBC_RSEQ_SIZE", (long) RseqNative.Q_GLIBC_RSEQ_SIZE);
        m.put("RA_Q_FEATURE_SIZE", (long) RseqNative.Q_FEATURE_SIZE);
        m.put("RA_Q_USABLE_SIZE", (long) RseqNative.Q_USABLE_SIZE);
        m.put("RA_Q_MM_CID_AVAILABLE", (long) RseqNative.Q_MM_CID_AVAILABLE);
        m.put("RA_Q_THREAD_MODE", (long) RseqNative.Q_THREAD_MODE);
        m.put("RA_Q_THREAD_ERRNO", (long) RseqNative.Q_THREAD_ERRNO);
        m.put("RA_Q_CPU_ID", (long) RseqNative.Q_CPU_ID);
        m.put("RA_Q_MM_CID", (long) RseqNative.Q_MM_CID);
        m.put("RA_Q_MEMBARRIER_ERRNO", (long) RseqNative.Q_MEMBARRIER_ERRNO);
        m.put("RA_Q_ABORTS", (long) RseqNative.Q_ABORTS);
        m.put("RA_Q_REFCOUNT", (long) RseqNative.Q_REFCOUNT);
        m.put("RA_Q_INJECT_DELAY", (long) RseqNative.Q_INJECT_DELAY);
        m.put("RA_Q_CPUS_CONFIGURED", (long) RseqNative.Q_CPUS_CONFIGURED);
        m.put("RA_Q_OWN_REGISTRATIONS", (long) RseqNative.Q_OWN_REGISTRATIONS);
        m.put("RA_Q_OWN_UNREGISTRATIONS", (long) RseqNative.Q_OWN_UNREGISTRATIONS);
        m.put("RA_Q_THREAD_REASON", (long) RseqNative.Q_THREAD_REASON);
        m.put("RA_Q_LIBRSEQ_STATE", (long) RseqNative.Q_LIBRSEQ_STATE);
        m.put("RA_Q_LIBRSEQ_PRESENT", (long) RseqNative.Q_LIBRSEQ_PRESENT);
        m.put("RA_Q_LIBRSEQ_RSEQ_SIZE", (long) RseqNative.Q_LIBRSEQ_RSEQ_SIZE);
        m.put("RA_Q_OWN_LIVE", (long) RseqNative.Q_OWN_LIVE);
        m.put("RA_Q_LIBRSEQ_DELEGATED", (long) RseqNative.Q_LIBRSEQ_DELEGATED);
        m.put("RA_Q_INIT_FLAGS", (long) RseqNative.Q_INIT_FLAGS);
        m.put("RA_Q_FEATURE_ALIGN", (long) RseqNative.Q_FEATURE_ALIGN);
        m.put("RA_Q_HAS_RDTSCP", (long) RseqNative.Q_HAS_RDTSCP);
        // struct rseq facts the doctor reasons with
        m.put("RA_CPU_ID_UNINITIALIZED", (long) DoctorReport.CPU_ID_UNINITIALIZED);
        m.put("RA_CPU_ID_REGISTRATION_FAILED", (long) DoctorReport.CPU_ID_REGISTRATION_FAILED);
        m.put("RA_END_NODE_ID", (long) DoctorReport.NODE_ID_END);
        m.put("RA_END_MM_CID", (long) DoctorReport.MM_CID_END);
        m.put("RA_ORIG_FEATURE_SIZE", (long) DoctorReport.ORIGINAL_FEATURE_SIZE);
        m.put("RA_RSEQ_AREA_SIZE", (long) DoctorReport.ORIGINAL_AREA_SIZE);
        return m;
    }

    /**
     * Every difference between the native table and {@code javaSide}, one sentence each;
     * empty when they agree.
     */
    static List<String> differences(Map<String, Long> nativeSide, Map<String, Long> javaSide) {
        List<String> out = new ArrayList<>();
        Long version = nativeSide.get("RA_CONTRACT_VERSION");
        Long expected = javaSide.get("RA_CONTRACT_VERSION");
        if (version != null && expected != null && !version.equals(expected)) {
            out.add("RA_CONTRACT_VERSION is " + version + " in the native library but " + expected
                    + " in Java: the library and allocator-core come from different builds");
        }
        javaSide.forEach((name, value) -> {
            if (name.equals("RA_CONTRACT_VERSION")) {
                return;
            }
            Long v = nativeSide.get(name);
            if (v == null) {
                out.add(name + " is expected by Java (" + value + ") but the native library does not define it");
            } else if (!v.equals(value)) {
                out.add(name + " is " + v + " in the native library but " + value + " in Java");
            }
        });
        for (String name : new TreeSet<>(nativeSide.keySet())) {
            if (!javaSide.containsKey(name) && COMPLETE_FAMILIES.stream().anyMatch(name::startsWith)) {
                out.add(name + " = " + nativeSide.get(name) + " is defined by the native library but unknown to Java");
            }
        }
        return out;
    }
}
