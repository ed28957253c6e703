package dev.rseq.alloc.stress;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one stress run does. Fluent setters; every switch defaults to off.
 *
 * <p>{@link #modes} lists the allocator instances that run at the same time (one for a
 * plain run, several for a mixed run); worker threads are spread over them.
 */
public final class StressConfig {
    private Duration duration = Duration.ofSeconds(5);
    private int threads = Math.max(4, 3 * Runtime.getRuntime().availableProcessors());
    private List<StressMode> modes = List.of(StressMode.THREAD_CACHE);
    private boolean migrate;
    private long injectDelay;
    private boolean virtualThreads;
    private boolean churn;
    private boolean pressure;
    private boolean arenas;
    private boolean badFrees;
    private long seed = System.nanoTime();
    private Duration progressEvery;
    private PrintStream log = System.out;

    public static StressConfig of(StressMode... modes) {
        return new StressConfig().modes(List.of(modes));
    }

    /** Every fault injector on (except delay injection, which needs the inject library). */
    public StressConfig hostile() {
        return migrate(true)
                .virtualThreads(true)
                .churn(true)
                .pressure(true)
                .arenas(true)
                .badFrees(true);
    }

    public StressConfig duration(Duration d) {
        this.duration = Objects.requireNonNull(d);
        return this;
    }

    public StressConfig threads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        this.threads = n;
        return this;
    }

    public StressConfig modes(List<StressMode> m) {
        if (m.isEmpty()) {
            throw new IllegalArgumentException("at least one mode");
        }
        this.modes = List.copyOf(m);
        return this;
    }

    /** Re-pin worker threads to random cpus continuously (sched_setaffinity). */
    public StressConfig migrate(boolean on) {
        this.migrate = on;
        return this;
    }

    /** Spin iterations inside every critical section (needs {@code -Drseqalloc.native.variant=inject}). */
    public StressConfig injectDelay(long loops) {
        if (loops < 0) {
            throw new IllegalArgumentException("injectDelay must be >= 0");
        }
        this.injectDelay = loops;
        return this;
    }

    /** Many short-lived virtual threads, half of them working inside synchronized blocks. */
    public StressConfig virtualThreads(boolean on) {
        this.virtualThreads = on;
        return this;
    }

    /** Workers exit after a random number of operations and are replaced. */
    public StressConfig churn(boolean on) {
        this.churn = on;
        return this;
    }

    /** A thread calls releaseMemory() every few hundred microseconds. */
    public StressConfig pressure(boolean on) {
        this.pressure = on;
        return this;
    }

    /**
     * Workers also make bad frees (interior, foreign, wild, wrong size, and double frees of a
     * block still in their own cache) among their valid ones; each must throw at the call.
     */
    public StressConfig badFrees(boolean on) {
        this.badFrees = on;
        return this;
    }

    public boolean badFrees() {
        return badFrees;
    }

    /** Shared arenas closed by one thread while another reads their segments. */
    public StressConfig arenas(boolean on) {
        this.arenas = on;
        return this;
    }

    public StressConfig seed(long s) {
        this.seed = s;
        return this;
    }

    /** Print a progress line this often (null: never). */
    public StressConfig progressEvery(Duration d) {
        this.progressEvery = d;
        return this;
    }

    public StressConfig log(PrintStream out) {
        this.log = Objects.requireNonNull(out);
        return this;
    }

    public Duration duration() {
        return duration;
    }

    public int threads() {
        return threads;
    }

    public List<StressMode> modes() {
        return modes;
    }

    public boolean migrate() {
        return migrate;
    }

    public long injectDelay() {
        return injectDelay;
    }

    public boolean virtualThreads() {
        return virtualThreads;
    }

    public boolean churn() {
        return churn;
    }

    public boolean pressure() {
        return pressure;
    }

    public boolean arenas() {
        return arenas;
    }

    public long seed() {
        return seed;
    }

    public Duration progressEvery() {
        return progressEvery;
    }

    public PrintStream log() {
        return log;
    }

    /** One line naming the modes and switches. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("modes=")
                .append(modes.stream().map(StressMode::label).toList())
                .append(" threads=")
                .append(threads)
                .append(" seconds=")
                .append(duration.toMillis() / 1000.0);
        if (migrate) {
            sb.append(" migrate");
        }
        if (injectDelay > 0) {
            sb.append(" inject-delay=").append(injectDelay);
        }
        if (virtualThreads) {
            sb.append(" vthreads");
        }
        if (churn) {
            sb.append(" churn");
        }
        if (pressure) {
            sb.append(" pressure");
        }
        if (badFrees) {
            sb.append(" bad-frees");
        }
        if (arenas) {
            sb.append(" arenas");
        }
        return sb.append(" seed=").append(seed).toString();
    }
}
