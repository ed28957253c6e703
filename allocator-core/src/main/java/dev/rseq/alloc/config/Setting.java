package dev.rseq.alloc.config;

import java.util.List;

/**
 * Every setting the library reads from the environment: a system property {@code
 * rseqalloc.*} and, where it makes sense to set it for a whole process, an environment
 * variable {@code RSEQALLOC_*} (the property wins). {@link Settings} is the only code that
 * reads them.
 */
public enum Setting {
    /** {@code rseqalloc.checked}: checked mode, with per-object ownership bits on every allocate and free. */
    CHECKED(
            "rseqalloc.checked",
            "RSEQALLOC_CHECKED",
            Kind.BOOLEAN,
            "false",
            "checked mode: per-object ownership bits on every allocate and free"),
    /**
     * {@code rseqalloc.fastPath}: how threads reach the per-CPU tier ({@code thread-cache} or {@code per-cpu-direct}).
     */
    FAST_PATH(
            "rseqalloc.fastPath",
            "RSEQALLOC_FAST_PATH",
            Kind.CHOICE,
            "thread-cache",
            "how threads reach the per-CPU tier",
            "thread-cache",
            "per-cpu-direct"),
    /** {@code rseqalloc.forceCas}: use the CAS caches instead of rseq on every thread. */
    FORCE_CAS(
            "rseqalloc.forceCas",
            "RSEQALLOC_FORCE_CAS",
            Kind.BOOLEAN,
            "false",
            "use the CAS caches instead of rseq on every thread"),
    /**
     * {@code rseqalloc.index}: what indexes per-CPU regions ({@code mm_cid}, which falls back to {@code cpu_id} where
     * the kernel lacks it, or {@code cpu_id}).
     */
    INDEX(
            "rseqalloc.index",
            "RSEQALLOC_INDEX",
            Kind.CHOICE,
            "mm_cid",
            "what indexes per-CPU regions (mm_cid falls back to cpu_id where the kernel lacks it)",
            "mm_cid",
            "cpu_id"),
    /** {@code rseqalloc.selfRegister}: register our own rseq area on threads nobody registered. */
    SELF_REGISTER(
            "rseqalloc.selfRegister",
            "RSEQALLOC_SELF_REGISTER",
            Kind.BOOLEAN,
            "true",
            "register our own rseq area on threads nobody registered (false for processes that load librseq later)"),
    /** {@code rseqalloc.librseqRegister}: register unregistered threads through librseq (see docs/coexistence.md). */
    LIBRSEQ_REGISTER(
            "rseqalloc.librseqRegister",
            "RSEQALLOC_LIBRSEQ_REGISTER",
            Kind.BOOLEAN,
            "false",
            "register unregistered threads through librseq (see docs/coexistence.md before turning it on)"),
    /**
     * {@code rseqalloc.carrierAccess}: let virtual threads use their carrier's thread cache where the JVM exports the
     * carrier.
     */
    CARRIER_ACCESS(
            "rseqalloc.carrierAccess",
            "RSEQALLOC_CARRIER_ACCESS",
            Kind.BOOLEAN,
            "true",
            "let virtual threads use their carrier's thread cache where the JVM exports the carrier"
                    + " (--add-exports java.base/jdk.internal.misc or jdk.internal.access)"),
    /** {@code rseqalloc.perCpuCacheBytes}: per-CPU byte budget of the rseq slabs. */
    PER_CPU_CACHE_BYTES("rseqalloc.perCpuCacheBytes", null, Kind.BYTES, "4m", "per-CPU byte budget of the rseq slabs"),
    /**
     * {@code rseqalloc.threadCacheBytes}: capacity all thread caches may hold together, in bytes ({@code auto}: 8 MiB
     * per cpu, at least 32 MiB).
     */
    THREAD_CACHE_BYTES(
            "rseqalloc.threadCacheBytes",
            null,
            Kind.BYTES,
            "auto",
            "capacity all thread caches may hold together (auto: 8 MiB per cpu, at least 32 MiB)"),
    /** {@code rseqalloc.threadCacheBytesPerThread}: capacity one thread cache may hold, in bytes. */
    THREAD_CACHE_BYTES_PER_THREAD(
            "rseqalloc.threadCacheBytesPerThread", null, Kind.BYTES, "8m", "capacity one thread cache may hold"),
    /** {@code rseqalloc.heapReserveBytes}: address space reserved for spans, in bytes (no memory until used). */
    HEAP_RESERVE_BYTES(
            "rseqalloc.heapReserveBytes",
            null,
            Kind.BYTES,
            "64g",
            "address space reserved for spans (no memory until used)"),
    /** {@code rseqalloc.growBytes}: bytes of the reservation made usable at a time. */
    GROW_BYTES("rseqalloc.growBytes", null, Kind.BYTES, "64m", "bytes of the reservation made usable at a time"),
    /**
     * {@code rseqalloc.releaseThresholdBytes}: free page-heap bytes kept; above it, free memory goes back to the
     * OS down to half of it.
     */
    RELEASE_THRESHOLD_BYTES(
            "rseqalloc.releaseThresholdBytes",
            null,
            Kind.BYTES,
            "64m",
            "free page-heap bytes kept; above it, free memory goes back to the OS down to half of it"),
    /** {@code rseqalloc.dedicatedMappingBytes}: blocks of at least this many bytes get a mapping of their own. */
    DEDICATED_BYTES(
            "rseqalloc.dedicatedMappingBytes",
            null,
            Kind.BYTES,
            "64m",
            "blocks of at least this size get a mapping of their own"),
    /** {@code rseqalloc.memory}: where the heap's memory comes from ({@code auto}, {@code os} or {@code jdk}). */
    MEMORY(
            "rseqalloc.memory",
            "RSEQALLOC_MEMORY",
            Kind.CHOICE,
            "auto",
            "where the heap's memory comes from (auto: mmap on Linux, else the JDK)",
            "auto",
            "os",
            "jdk"),
    /**
     * {@code rseqalloc.jdkMemoryBytes}: size of the heap in bytes when its memory comes from the JDK (committed at
     * once).
     */
    JDK_MEMORY_BYTES(
            "rseqalloc.jdkMemoryBytes",
            null,
            Kind.BYTES,
            "256m",
            "size of the heap when its memory comes from the JDK (committed at once)"),
    /**
     * {@code rseqalloc.hugePages}: transparent huge page advice for the heap ({@code system}, {@code always} or {@code
     * never}).
     */
    HUGE_PAGES(
            "rseqalloc.hugePages",
            null,
            Kind.CHOICE,
            "system",
            "transparent huge page advice for the heap",
            "system",
            "always",
            "never"),
    /** {@code rseqalloc.maintenanceMillis}: period of background maintenance in milliseconds (0: none). */
    MAINTENANCE_MILLIS(
            "rseqalloc.maintenanceMillis", null, Kind.LONG, "1000", "period of background maintenance in ms (0: none)"),
    /** {@code rseqalloc.jmx}: register the global allocator's MBean. */
    JMX("rseqalloc.jmx", "RSEQALLOC_JMX", Kind.BOOLEAN, "false", "register the global allocator's MBean"),
    /** {@code rseqalloc.native.path}: load librseqalloc from this file. */
    NATIVE_PATH("rseqalloc.native.path", "RSEQALLOC_NATIVE_PATH", Kind.TEXT, "", "load librseqalloc from this file"),
    /**
     * {@code rseqalloc.native.extractDir}: directory to extract the packaged library into (default: {@code
     * java.io.tmpdir}).
     */
    NATIVE_EXTRACT_DIR(
            "rseqalloc.native.extractDir",
            "RSEQALLOC_NATIVE_EXTRACT_DIR",
            Kind.TEXT,
            "",
            "directory to extract the packaged library into (default: java.io.tmpdir)"),
    /** {@code rseqalloc.native.disable}: never load the native library (CAS caches and JDK memory only). */
    NATIVE_DISABLE(
            "rseqalloc.native.disable",
            "RSEQALLOC_NATIVE_DISABLE",
            Kind.BOOLEAN,
            "false",
            "never load the native library: CAS caches and JDK memory only"),
    /** {@code rseqalloc.native.tools}: directory holding the native test tools when they are not on the class path. */
    NATIVE_TOOLS(
            "rseqalloc.native.tools",
            "RSEQALLOC_NATIVE_TOOLS",
            Kind.TEXT,
            "",
            "directory holding the native test tools (inject build, registrants) when not on the class path"),
    /**
     * {@code rseqalloc.native.variant}: which build of the library to load ({@code default}, or {@code inject}: the
     * delay-injecting test build).
     */
    NATIVE_VARIANT(
            "rseqalloc.native.variant",
            "RSEQALLOC_NATIVE_VARIANT",
            Kind.CHOICE,
            "default",
            "which build of the library to load (inject: the delay-injecting test build)",
            "default",
            "inject");

    /** How a value is parsed. */
    public enum Kind {
        /**
         * {@code true}, {@code 1}, {@code yes} or {@code on}; {@code false}, {@code 0}, {@code no} or
         * {@code off} (any case).
         */
        BOOLEAN,
        /** A whole number ({@code long}). */
        LONG,
        /** A byte count such as 65536, 64k, 4m or 1g (binary units), or {@code auto} where that is the default. */
        BYTES,
        /** One of the setting's {@link Setting#choices()}. */
        CHOICE,
        /** Any text. */
        TEXT
    }

    private final String property;
    private final String environment;
    private final Kind kind;
    private final String defaultValue;
    private final String description;

    @SuppressWarnings("ImmutableEnumChecker") // List.of: immutable, though its type cannot say so
    private final List<String> choices;

    Setting(
            String property,
            String environment,
            Kind kind,
            String defaultValue,
            String description,
            String... choices) {
        this.property = property;
        this.environment = environment;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.description = description;
        this.choices = List.of(choices);
    }

    /** {@return the system property, {@code rseqalloc.*}} */
    public String property() {
        return property;
    }

    /**
     * The environment variable, or null when only the property exists.
     *
     * @return the variable's name, {@code RSEQALLOC_*}, or null
     */
    public String environment() {
        return environment;
    }

    /** {@return how the value is parsed} */
    public Kind kind() {
        return kind;
    }

    /** {@return the default, as text a user could give (for example {@code 64m}, {@code auto}, {@code false})} */
    public String defaultValue() {
        return defaultValue;
    }

    /** {@return what the setting does, in one line, for docs and messages} */
    public String description() {
        return description;
    }

    /** {@return the allowed values of a {@link Kind#CHOICE} setting; empty for other kinds} */
    public List<String> choices() {
        return choices;
    }

    /**
     * What values are allowed, for error messages and docs.
     *
     * @return a phrase such as "true or false", or the choices separated by commas
     */
    public String allowed() {
        return switch (kind) {
            case BOOLEAN -> "true or false";
            case LONG -> "a whole number";
            case BYTES -> "a byte count such as 65536, 64k, 4m or 1g";
            case CHOICE -> String.join(", ", choices);
            case TEXT -> "any text";
        };
    }
}
