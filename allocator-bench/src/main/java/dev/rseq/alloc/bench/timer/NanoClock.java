package dev.rseq.alloc.bench.timer;

/** {@link System#nanoTime()}: portable, but on this kind of VM it costs tens of ns and steps coarsely. */
public final class NanoClock implements Clock {
    public static final NanoClock INSTANCE = new NanoClock();

    private NanoClock() {}

    @Override
    public long ticks() {
        return System.nanoTime();
    }

    @Override
    public String name() {
        return "System.nanoTime";
    }
}
