package dev.rseq.alloc.stress;

import java.util.List;

/**
 * What a stress run did and found.
 *
 * @param config          what ran
 * @param operations      allocations plus frees, all threads (a bulk call of n blocks counts n)
 * @param seconds         wall time of the working phase
 * @param aborts          rseq critical-section aborts during the run (process-wide delta)
 * @param casOperations   operations served by the CAS caches during the run, all lanes
 * @param violation       the first violation, or null
 * @param lanes           per-lane summaries
 * @param churnedThreads  workers that retired and were replaced
 * @param virtualThreads  virtual threads started
 * @param repins          successful re-pinnings by the migrator
 * @param releases        releaseMemory() calls by the pressure thread
 * @param arenaRounds     arena close races completed
 * @param arenaRejections accesses rejected after an arena closed
 * @param badFreesRejected bad frees made on purpose and rejected with an exception
 * @param threadModes     rseq modes seen on worker threads
 */
public record StressResult(
        StressConfig config,
        long operations,
        double seconds,
        long aborts,
        long casOperations,
        Violation violation,
        List<LaneSummary> lanes,
        long churnedThreads,
        long virtualThreads,
        long repins,
        long releases,
        long arenaRounds,
        long arenaRejections,
        long badFreesRejected,
        List<String> threadModes) {

    /** One allocator instance's counters at the end. */
    public record LaneSummary(
            String mode,
            long casOperations,
            long rseqAborts,
            long releasedTotalBytes,
            long mappedBytes,
            long perCpuMisses,
            long threadCacheMisses) {}

    public boolean passed() {
        return violation == null;
    }

    public double opsPerSecond() {
        return seconds > 0 ? operations / seconds : 0;
    }

    /** A few lines for humans. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("stress %s%n", config.describe()));
        sb.append(
                String.format("  operations      %,d in %.1f s = %,.0f ops/s%n", operations, seconds, opsPerSecond()));
        sb.append(String.format("  rseq aborts     %,d%n", aborts));
        sb.append(String.format("  cas operations  %,d%n", casOperations));
        sb.append(String.format("  thread modes    %s%n", threadModes));
        if (churnedThreads > 0
                || virtualThreads > 0
                || repins > 0
                || releases > 0
                || arenaRounds > 0
                || badFreesRejected > 0) {
            sb.append(String.format(
                    "  injected        churned threads %,d, virtual threads %,d, re-pins %,d, "
                            + "releaseMemory calls %,d, arena rounds %,d (%,d accesses rejected after close), "
                            + "bad frees rejected %,d%n",
                    churnedThreads, virtualThreads, repins, releases, arenaRounds, arenaRejections, badFreesRejected));
        }
        for (LaneSummary l : lanes) {
            sb.append(String.format(
                    "  lane %-8s   cas ops %,d, per-cpu misses %,d, thread-cache misses %,d, "
                            + "mapped %,d B, released to OS %,d B%n",
                    l.mode(),
                    l.casOperations(),
                    l.perCpuMisses(),
                    l.threadCacheMisses(),
                    l.mappedBytes(),
                    l.releasedTotalBytes()));
        }
        if (violation == null) {
            sb.append("  result          PASS: 0 lost, 0 duplicated, 0 corrupted; accounting exact\n");
        } else {
            sb.append("  result          FAIL\n").append(violation.report());
        }
        return sb.toString();
    }

    /** One machine-readable line (key=value), for scripts and subprocess tests. */
    public String line() {
        return "STRESS-RESULT passed=" + passed() + " ops=" + operations + " aborts=" + aborts
                + " casOps=" + casOperations + " seconds=" + String.format("%.2f", seconds)
                + " modes=" + String.join(",", threadModes)
                + " violation=" + (violation == null ? "none" : violation.kind());
    }
}
