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
    private static final int RATE_PASSES = 5;
    /** nanoTime brackets tried around each end's tick reading; the narrowest is kept. */
    private static final int BRACKETS = 16;

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

    /**
     * Median over a few busy intervals of elapsed nanoTime / elapsed ticks. Each end of an
     * interval pairs one tick reading with the nanoTime midpoint of a bracket around it (the
     * tightest of {@link #BRACKETS}): reading one clock and then the other, a preemption
     * between the two reads at either end used to add its whole length to one clock only,
     * which on a loaded 2-core machine skewed the rate by 0.7 % in a 10 ms interval.
     */
    static double nsPerTick(Clock clock) {
        double[] ratios = new double[RATE_PASSES];
        for (int i = 0; i < RATE_PASSES; i++) {
            Reading start = Reading.of(clock);
            long until = (long) start.ns() + RATE_INTERVAL_NS;
            while (System.nanoTime() < until) {
                Thread.onSpinWait(); // busy: both clocks run the whole interval
            }
            Reading end = Reading.of(clock);
            ratios[i] = (end.ns() - start.ns()) / (end.ticks() - start.ticks());
        }
        Arrays.sort(ratios);
        return ratios[RATE_PASSES / 2];
    }

    /** A tick reading and the nanoTime it was taken at (the midpoint of the nanoTime reads around it). */
    private record Reading(double ticks, double ns) {
        static Reading of(Clock clock) {
            Reading best = null;
            long narrowest = Long.MAX_VALUE;
            for (int i = 0; i < BRACKETS; i++) {
                long before = System.nanoTime();
                long ticks = clock.ticks();
                long after = System.nanoTime();
                if (after - before < narrowest) {
                    narrowest = after - before;
                    best = new Reading(ticks, before + (after - before) / 2.0);
                }
            }
            return best;
        }
    }

    /** "rdtscp: floor 9.8 ns, resolution 0.4 ns, 0.3571 ns/tick". */
    public String describe() {
        String tick = nsPerTick == 1.0 ? "" : String.format(Locale.ROOT, ", %.4f ns/tick", nsPerTick);
        return String.format(
                Locale.ROOT, "%s: floor %.1f ns, resolution %.1f ns%s", clock, floorNs, resolutionNs, tick);
    }
}
