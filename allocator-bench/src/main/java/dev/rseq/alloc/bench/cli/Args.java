package dev.rseq.alloc.bench.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small GNU-style option parser: {@code --name value}, {@code --name=value} and boolean
 * {@code --flag}. Unknown options and missing values are errors, reported by
 * {@link UsageException} so commands can print their usage and exit with status 2.
 */
public final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flagsSeen = new java.util.HashSet<>();

    private Args() {
    }

    /**
     * @param valued options that take a value (without the leading dashes)
     * @param flags  options that take none
     */
    public static Args parse(String[] argv, Set<String> valued, Set<String> flags) {
        Args args = new Args();
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                args.flagsSeen.add(name);
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = argv[++i];
                }
                args.values.put(name, value);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
        return args;
    }

    public boolean flag(String name) {
        return flagsSeen.contains(name);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public List<String> list(String name, List<String> fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("--" + name + " needs at least one value");
        }
        return out;
    }

    public List<Integer> ints(String name, List<Integer> fallback) {
        if (!has(name)) {
            return fallback;
        }
        List<Integer> out = new ArrayList<>();
        for (String s : list(name, List.of())) {
            out.add(positiveInt(name, s));
        }
        return out;
    }

    public int integer(String name, int fallback) {
        return has(name) ? positiveInt(name, values.get(name)) : fallback;
    }

    public long longValue(String name, long fallback) {
        if (!has(name)) {
            return fallback;
        }
        try {
            long v = Long.parseLong(values.get(name).replace("_", ""));
            if (v <= 0) {
                throw new UsageException("--" + name + " must be positive");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + ": not a number: " + values.get(name));
        }
    }

    public Duration duration(String name, Duration fallback) {
        return has(name) ? Durations.parse(values.get(name)) : fallback;
    }

    private static int positiveInt(String name, String s) {
        try {
            int v = Integer.parseInt(s.trim().replace("_", ""));
            if (v <= 0) {
                throw new UsageException("--" + name + " values must be positive: " + s);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + ": not a number: " + s);
        }
    }
}
