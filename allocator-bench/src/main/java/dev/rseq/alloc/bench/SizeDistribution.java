package dev.rseq.alloc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Block sizes drawn from weighted buckets, each uniform in [low, high] (or log-uniform: every
 * power of two in the range equally likely). Named distributions or an explicit list of
 * sizes (each equally likely). Benchmarks draw sizes up front into a
 * table ({@link #sample}) so the RNG stays out of the measured code, and every allocator
 * sees the same sequence for the same seed.
 */
public final class SizeDistribution {
    /** Named distributions and what each draws, for --help. */
    public static final Map<String, String> NAMED = namedDescriptions();

    private final String name;
    private final long[] low;
    private final long[] high;
    private final double[] cumulative;
    private final boolean logUniform;

    private SizeDistribution(String name, long[] low, long[] high, double[] weights) {
        this(name, low, high, weights, false);
    }

    private SizeDistribution(String name, long[] low, long[] high, double[] weights, boolean logUniform) {
        this.name = name;
        this.low = low;
        this.high = high;
        this.logUniform = logUniform;
        this.cumulative = new double[weights.length];
        double total = Arrays.stream(weights).sum();
        double acc = 0;
        for (int i = 0; i < weights.length; i++) {
            acc += weights[i] / total;
            cumulative[i] = acc;
        }
        cumulative[weights.length - 1] = 1.0;
    }

    private static Map<String, String> namedDescriptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("mixed", "50% 16-64 B, 30% 65-512 B, 15% 513 B-4 KiB, 5% 4-64 KiB");
        m.put("tiny", "16-128 B");
        m.put("small", "1/3 each of 16-64, 65-256, 257-1024 B");
        m.put("large", "4-64 KiB");
        m.put("loguniform", "16 B-32 KiB, log-uniform (as many 16-32 B blocks as 16-32 KiB ones)");
        m.put("16,64,256", "a list: each size equally likely");
        return Collections.unmodifiableMap(m);
    }

    public static SizeDistribution parse(String spec) {
        return switch (spec) {
            case "mixed" ->
                new SizeDistribution(
                        "mixed", new long[] {16, 65, 513, 4097}, new long[] {64, 512, 4096, 65536}, new double[] {
                            50, 30, 15, 5
                        });
            case "tiny" -> new SizeDistribution("tiny", new long[] {16}, new long[] {128}, new double[] {1});
            case "small" ->
                new SizeDistribution(
                        "small", new long[] {16, 65, 257}, new long[] {64, 256, 1024}, new double[] {1, 1, 1});
            case "large" -> new SizeDistribution("large", new long[] {4097}, new long[] {65536}, new double[] {1});
            case "loguniform" -> logUniform(16, 32 * 1024);
            default -> fixedList(spec);
        };
    }

    /** Uniform in [low, high]. */
    public static SizeDistribution uniform(long low, long high) {
        return new SizeDistribution(low + "-" + high, new long[] {low}, new long[] {high}, new double[] {1});
    }

    /** Log-uniform in [low, high]: ln(size) is uniform, so small blocks are as common per octave as large ones. */
    public static SizeDistribution logUniform(long low, long high) {
        String label = low == 16 && high == 32 * 1024 ? "loguniform" : "log " + low + "-" + high;
        return new SizeDistribution(label, new long[] {low}, new long[] {high}, new double[] {1}, true);
    }

    /** Exactly these sizes, each equally likely. */
    public static SizeDistribution fixed(long... sizes) {
        double[] w = new double[sizes.length];
        Arrays.fill(w, 1);
        String label = Arrays.stream(sizes)
                .mapToObj(Long::toString)
                .reduce((a, b) -> a + "," + b)
                .orElse("");
        return new SizeDistribution(label, sizes.clone(), sizes.clone(), w);
    }

    private static SizeDistribution fixedList(String spec) {
        List<Long> sizes = new ArrayList<>();
        for (String part : spec.split(",")) {
            try {
                long v = Long.parseLong(part.trim());
                if (v <= 0) {
                    throw new IllegalArgumentException("sizes must be positive: " + part);
                }
                sizes.add(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unknown size distribution '" + spec + "'; use a name (mixed,"
                        + " tiny, small, large, loguniform) or a list such as 16,64,256");
            }
        }
        return fixed(sizes.stream().mapToLong(Long::longValue).toArray());
    }

    public String name() {
        return name;
    }

    public long maxSize() {
        return Arrays.stream(high).max().orElseThrow();
    }

    public long next(SplittableRandom random) {
        double u = random.nextDouble();
        int b = 0;
        while (u > cumulative[b]) {
            b++;
        }
        if (low[b] == high[b]) {
            return low[b];
        }
        if (logUniform) {
            double lnLow = Math.log(low[b]);
            double lnEnd = Math.log(high[b] + 1.0);
            long v = (long) Math.exp(lnLow + random.nextDouble() * (lnEnd - lnLow));
            return Math.clamp(v, low[b], high[b]);
        }
        return random.nextLong(low[b], high[b] + 1);
    }

    /** {@code n} sizes from a generator seeded with {@code seed}. */
    public long[] sample(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = next(random);
        }
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
