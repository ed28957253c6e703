package dev.rseq.alloc.bench.timer;

/**
 * What the workloads read around each timed operation. Only one implementation is used in
 * a measuring JVM, so the call site stays monomorphic and the JIT inlines it.
 */
public interface Clock {

    /** The current reading in this clock's ticks; only differences between readings matter. */
    long ticks();

    /** Short name for reports: "rdtscp" or "System.nanoTime". */
    String name();
}
