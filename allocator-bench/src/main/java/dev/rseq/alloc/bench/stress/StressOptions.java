package dev.rseq.alloc.bench.stress;

import dev.rseq.alloc.stress.StressConfig;
import dev.rseq.alloc.stress.StressMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code stress} was asked to do, and the runs that makes. {@code --mode all} makes one
 * run per mode and then a mixed run (all four instances at once); {@code seconds} is per run.
 *
 * @param threads     worker threads per run
 * @param injectDelay 0, or spin iterations inside every rseq critical section
 * @param progress    0, or seconds between progress lines
 */
public record StressOptions(
        long seconds,
        int threads,
        String mode,
        boolean migrate,
        long injectDelay,
        boolean vthreads,
        boolean churn,
        boolean pressure,
        boolean arenas,
        boolean badFrees,
        long seed,
        long progress) {

    private static final List<StressMode> FOUR =
            List.of(StressMode.THREAD_CACHE, StressMode.DIRECT, StressMode.CAS, StressMode.CHECKED);

    /**
     * The runs these options ask for, one per mode.
     *
     * @return the configurations to run, in order
     * @throws IllegalArgumentException for an unknown mode
     */
    public List<StressConfig> runs() {
        List<List<StressMode>> laneSets = new ArrayList<>();
        switch (mode) {
            case "all" -> {
                for (StressMode m : FOUR) {
                    laneSets.add(List.of(m));
                }
                laneSets.add(FOUR);
            }
            case "mixed" -> laneSets.add(FOUR);
            default -> {
                try {
                    laneSets.add(List.of(StressMode.parse(mode)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "unknown mode '" + mode + "' (thread-cache, direct, cas, checked, mixed, all)");
                }
            }
        }
        List<StressConfig> runs = new ArrayList<>();
        for (int r = 0; r < laneSets.size(); r++) {
            runs.add(new StressConfig()
                    .modes(laneSets.get(r))
                    .duration(Duration.ofSeconds(seconds))
                    .threads(threads)
                    .migrate(migrate)
                    .virtualThreads(vthreads)
                    .churn(churn)
                    .pressure(pressure)
                    .arenas(arenas)
                    .badFrees(badFrees)
                    .injectDelay(injectDelay)
                    .seed(seed + r)
                    .progressEvery(progress > 0 ? Duration.ofSeconds(progress) : null));
        }
        return runs;
    }

    /** The same options as stress arguments (the seed made explicit): what a re-launched JVM gets. */
    public List<String> args() {
        List<String> a = new ArrayList<>(List.of(
                "--seconds",
                Long.toString(seconds),
                "--threads",
                Integer.toString(threads),
                "--mode",
                mode,
                "--seed",
                Long.toString(seed)));
        if (injectDelay > 0) {
            a.addAll(List.of("--inject-delay", Long.toString(injectDelay)));
        }
        if (progress > 0) {
            a.addAll(List.of("--progress", Long.toString(progress)));
        }
        flag(a, migrate, "--migrate");
        flag(a, vthreads, "--vthreads");
        flag(a, churn, "--churn");
        flag(a, pressure, "--pressure");
        flag(a, arenas, "--arenas");
        flag(a, badFrees, "--bad-frees");
        return a;
    }

    private static void flag(List<String> args, boolean set, String name) {
        if (set) {
            args.add(name);
        }
    }
}
