package dev.rseq.alloc.bench.timer;

import java.util.Locale;

/** {@code --timer}: which clock times each operation. */
public enum TimerChoice {
    /** rdtscp when librseqalloc has it and the TSC is invariant, else System.nanoTime. */
    AUTO,
    RDTSCP,
    NANOTIME;

    /** The clock to use; for RDTSCP on a machine without it, an exception saying why. */
    public Clock clock() {
        String why = this == NANOTIME ? null : TscClock.unavailableReason();
        return switch (this) {
            case NANOTIME -> NanoClock.INSTANCE;
            case AUTO -> why == null ? TscClock.INSTANCE : NanoClock.INSTANCE;
            case RDTSCP -> {
                if (why != null) {
                    throw new IllegalStateException("--timer rdtscp: " + why);
                }
                yield TscClock.INSTANCE;
            }
        };
    }

    /** One line for the report header when AUTO fell back, else null. */
    public String fallbackNote(Clock chosen) {
        return this == AUTO && chosen instanceof NanoClock
                ? "rdtscp is unavailable: " + TscClock.unavailableReason() + "; System.nanoTime stands in"
                : null;
    }

    public String option() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TimerChoice parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown timer '" + text + "' (auto, rdtscp, nanotime)");
        }
    }
}
