package dev.rseq.alloc.rseq;

import dev.rseq.alloc.config.Setting;
import java.util.List;

/**
 * This package's view of the process settings: read through {@link
 * dev.rseq.alloc.config.Settings} (the one reader of every {@code rseqalloc.*} property and
 * {@code RSEQALLOC_*} variable), leniently: a bad value is reported on standard error and in
 * {@link #warnings()}, and the default is used, so a typo can never stop the native layer
 * from initialising. No other static state, so that {@link NativeLibrary} and {@link
 * RseqNative} can read settings while either is being initialised.
 */
final class Settings {
    private static final dev.rseq.alloc.config.Settings READER =
            dev.rseq.alloc.config.Settings.lenientFromEnvironment();

    private Settings() {}

    /** The raw value (property, else variable), or null when unset. */
    static String get(Setting s) {
        return READER.text(s);
    }

    static synchronized boolean bool(Setting s) {
        int before = READER.problems().size();
        boolean v = READER.bool(s);
        report(before);
        return v;
    }

    static synchronized String choice(Setting s) {
        int before = READER.problems().size();
        String v = READER.choice(s);
        report(before);
        return v;
    }

    private static void report(int before) {
        List<String> problems = READER.problems();
        for (int i = before; i < problems.size(); i++) {
            System.err.println("rseqalloc: " + problems.get(i));
        }
    }

    /** Settings that were given bad values, in words (each fell back to its default). */
    static List<String> warnings() {
        return READER.problems();
    }
}
