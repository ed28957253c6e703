package dev.rseq.alloc.bench.stress;

import dev.rseq.alloc.stress.StressConfig;
import dev.rseq.alloc.stress.StressMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Command line of {@code stress}: which runs to make. {@code --mode all} makes one run per
 * mode and then a mixed run (all four instances at once); {@code --seconds} is per run.
 */
public final class StressOptions {
    static final String USAGE = """
            usage: stress [--seconds N] [--threads T] [--mode magazine|direct|cas|checked|mixed|all]
                          [--migrate] [--inject-delay LOOPS] [--vthreads] [--churn] [--pressure] [--arenas]
                          [--hostile] [--seed S] [--progress SECONDS]

              --seconds N         length of each run (default 10)
              --threads T         worker threads per run (default 4 x cpus: more threads than cores)
              --mode M            allocator configuration; mixed runs all four instances at once;
                                  all runs each of magazine, direct, cas, checked, then mixed (default all)
              --migrate           re-pin workers to random cpus continuously
              --inject-delay L    spin L iterations inside every rseq critical section (re-runs the
                                  JVM with -Drseqalloc.native.variant=inject when needed)
              --vthreads          thousands of short-lived virtual threads alongside the workers
              --churn             workers exit mid-work and are replaced
              --pressure          a thread calls releaseMemory() continuously
              --arenas            arena close racing with use from another thread
              --hostile           all of --migrate --vthreads --churn --pressure --arenas
              --seed S            random seed (default: time)
              --progress S        print progress every S seconds

            Exit status: 0 when every run passed, 1 on the first violation, 2 on bad usage.
            """;

    final List<StressConfig> runs;
    final long injectDelay;

    private StressOptions(List<StressConfig> runs, long injectDelay) {
        this.runs = runs;
        this.injectDelay = injectDelay;
    }

    /** @throws IllegalArgumentException on bad usage */
    static StressOptions parse(String[] args) {
        long seconds = 10;
        int threads = 4 * Runtime.getRuntime().availableProcessors();
        String mode = "all";
        boolean migrate = false;
        boolean vthreads = false;
        boolean churn = false;
        boolean pressure = false;
        boolean arenas = false;
        long inject = 0;
        long seed = System.nanoTime();
        Duration progress = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--seconds" -> seconds = positive(a, value(args, ++i, a));
                case "--threads" -> threads = (int) positive(a, value(args, ++i, a));
                case "--mode" -> mode = value(args, ++i, a);
                case "--migrate" -> migrate = true;
                case "--inject-delay" -> inject = positive(a, value(args, ++i, a));
                case "--vthreads" -> vthreads = true;
                case "--churn" -> churn = true;
                case "--pressure" -> pressure = true;
                case "--arenas" -> arenas = true;
                case "--hostile" -> {
                    migrate = true;
                    vthreads = true;
                    churn = true;
                    pressure = true;
                    arenas = true;
                }
                case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                case "--progress" -> progress = Duration.ofSeconds(positive(a, value(args, ++i, a)));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        List<List<StressMode>> laneSets = new ArrayList<>();
        List<StressMode> four = List.of(StressMode.MAGAZINE, StressMode.DIRECT, StressMode.CAS, StressMode.CHECKED);
        switch (mode) {
            case "all" -> {
                for (StressMode m : four) {
                    laneSets.add(List.of(m));
                }
                laneSets.add(four);
            }
            case "mixed" -> laneSets.add(four);
            default -> {
                try {
                    laneSets.add(List.of(StressMode.parse(mode)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown mode " + mode);
                }
            }
        }
        List<StressConfig> runs = new ArrayList<>();
        for (int r = 0; r < laneSets.size(); r++) {
            runs.add(new StressConfig().modes(laneSets.get(r)).duration(Duration.ofSeconds(seconds))
                    .threads(threads).migrate(migrate).virtualThreads(vthreads).churn(churn).pressure(pressure)
                    .arenas(arenas).injectDelay(inject).seed(seed + r).progressEvery(progress));
        }
        return new StressOptions(runs, inject);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static long positive(String option, String v) {
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a number: " + v);
        }
        if (n <= 0) {
            throw new IllegalArgumentException(option + " must be positive, not " + v);
        }
        return n;
    }
}
