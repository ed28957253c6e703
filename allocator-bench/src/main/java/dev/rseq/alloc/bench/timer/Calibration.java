package dev.rseq.alloc.bench.timer;

import java.util.Arrays;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * A clock as measured in this JVM, after warm-up: how many ns one tick is, the floor (the
 * median time between two back-to-back readings, the least any timed operation can show)
 * and the resolution (the smallest non-zero step seen).
 *
 * <p>Warm-up matters: the first thousands of readings run interpreted and cost several
 * times more, so a floor measured cold disagrees with itself from run to run. The floor is
 * the median of several passes taken after the measuring loop has been compiled.
 *
 * @param nsPerTick    1 for System.nanoTime; for the TSC, from readings of both clocks across a busy interval
 * @param floorNs      median back-to-back interval, ns
 * @param resolutionNs smallest non-zero back-to-back interval seen, ns
 */
public record Calibration(String clock, double nsPerTick, double floorNs, double resolutionNs) {
    private static final int WARM_PASSES = 12;
    private static final int PASSES = 5;
    private static final int READS_PER_PASS = 20_000;
    private static final long RATE_INTERVAL_NS = 10_000_000;
    private static final int RATE_PASSES = 3;

    public static Calibration measure(Clock clock) {
        for (int i = 0; i < WARM_PASSES; i++) {
            backToBack(clock, READS_PER_PASS);
        }
        double nsPerTick = clock instanceof NanoClock ? 1.0 : nsPerTick(clock);
        double[] medians = new double[PASSES];
        long smallest = Long.MAX_VALUE;
        for (int i = 0; i < PASSES; i++) {
            Histogram h = backToBack(clock, READS_PER_PASS);
            medians[i] = h.getValueAtPercentile(50);
            long min = smallestNonZero(h);
            smallest = Math.min(smallest, min);
        }
        Arrays.sort(medians);
        double floor = medians[PASSES / 2] * nsPerTick;
        double resolution = smallest == Long.MAX_VALUE ? Double.NaN : smallest * nsPerTick;
        return new Calibration(clock.name(), nsPerTick, floor, resolution);
    }

    /** Intervals between consecutive readings, in ticks (a reading that went backwards counts as 0). */
    static Histogram backToBack(Clock clock, int reads) {
        Histogram h = new Histogram(3);
        long previous = clock.ticks();
        for (int i = 0; i < reads; i++) {
            long now = clock.ticks();
            h.recordValue(Math.max(0, now - previous));
            previous = now;
        }
        return h;
    }

    private static long smallestNonZero(Histogram h) {
        for (var v : h.recordedValues()) {
            if (v.getValueIteratedTo() > 0) {
                return h.lowestEquivalentValue(v.getValueIteratedTo());
            }
        }
        return Long.MAX_VALUE;
    }

    /** Median over a few busy intervals of elapsed nanoTime / elapsed ticks. */
    static double nsPerTick(Clock clock) {
        double[] ratios = new double[RATE_PASSES];
        for (int i = 0; i < RATE_PASSES; i++) {
            long t0 = clock.ticks();
            long n0 = System.nanoTime();
            long n1;
            do {
                n1 = System.nanoTime();
            } while (n1 - n0 < RATE_INTERVAL_NS);
            long t1 = clock.ticks();
            ratios[i] = (double) (n1 - n0) / (t1 - t0);
        }
        Arrays.sort(ratios);
        return ratios[RATE_PASSES / 2];
    }

    /** "rdtscp: floor 9.8 ns, resolution 0.4 ns, 0.3571 ns/tick". */
    public String describe() {
        String tick = nsPerTick == 1.0 ? "" : String.format(Locale.ROOT, ", %.4f ns/tick", nsPerTick);
        return String.format(
                Locale.ROOT, "%s: floor %.1f ns, resolution %.1f ns%s", clock, floorNs, resolutionNs, tick);
    }
}
