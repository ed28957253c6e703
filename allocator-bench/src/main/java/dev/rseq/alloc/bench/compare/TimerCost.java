package dev.rseq.alloc.bench.compare;

/**
 * A rough reading of what one System.nanoTime() costs and the smallest step it reports on
 * this machine, printed with the table so readers know the floor under every percentile.
 * (BaselineBenchmark.nanoTime in the JMH suite is the careful measurement.)
 */
record TimerCost(double nanosPerCall, long granularityNanos) {

    static TimerCost measure() {
        long sink = 0;
        int calls = 0;
        long start = System.nanoTime();
        long end = start + 50_000_000L; // 50 ms
        long now;
        long granularity = Long.MAX_VALUE;
        long previous = start;
        do {
            now = System.nanoTime();
            if (now != previous) {
                granularity = Math.min(granularity, now - previous);
                previous = now;
            }
            sink += now;
            calls++;
        } while (now < end);
        if (sink == 42) {
            System.out.print(""); // keeps the loop's reads alive
        }
        return new TimerCost((double) (now - start) / calls, granularity);
    }
}
