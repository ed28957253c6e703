package dev.rseq.alloc.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Reads {@link Setting}s: the system property first, then the environment variable, then
 * the default. Every value is validated; a bad one raises {@link InvalidSettingException}
 * naming the setting, the value and what is allowed — or, for a lenient reader (what the
 * process-wide allocator uses, so one typo cannot break it for the life of the JVM), falls
 * back to the default and is recorded in {@link #problems()}.
 */
public final class Settings {
    private final UnaryOperator<String> properties;
    private final UnaryOperator<String> environment;
    private final boolean lenient;
    private final List<String> problems = new ArrayList<>();

    private Settings(UnaryOperator<String> properties, UnaryOperator<String> environment, boolean lenient) {
        this.properties = properties;
        this.environment = environment;
        this.lenient = lenient;
    }

    /**
     * This process's system properties and environment; bad values throw.
     *
     * @return a strict reader
     */
    public static Settings fromEnvironment() {
        return new Settings(System::getProperty, System::getenv, false);
    }

    /**
     * This process's system properties and environment; bad values fall back to defaults and are recorded.
     *
     * @return a lenient reader
     */
    public static Settings lenientFromEnvironment() {
        return new Settings(System::getProperty, System::getenv, true);
    }

    /**
     * Given maps instead of the process's (tests, tools).
     *
     * @param properties  stands in for the system properties: property name to value
     * @param environment stands in for the environment: variable name to value
     * @param lenient     true for a reader that falls back to defaults and records problems, false for one that throws
     * @return a reader over the maps
     */
    public static Settings of(Map<String, String> properties, Map<String, String> environment, boolean lenient) {
        return new Settings(properties::get, environment::get, lenient);
    }

    /**
     * The value as given (property, else environment variable), or null when unset.
     *
     * @param s the setting
     * @return the value, trimmed, or null when unset or blank
     */
    public String raw(Setting s) {
        String v = properties.apply(s.property());
        if (v == null && s.environment() != null) {
            v = environment.apply(s.environment());
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    /**
     * Where the value came from, for messages: "-Dx=v", "ENV=v" or "default v".
     *
     * @param s the setting
     * @return the source and the value as given
     */
    public String source(Setting s) {
        String p = properties.apply(s.property());
        if (p != null && !p.isBlank()) {
            return "-D" + s.property() + "=" + p;
        }
        if (s.environment() != null) {
            String e = environment.apply(s.environment());
            if (e != null && !e.isBlank()) {
                return s.environment() + "=" + e;
            }
        }
        return "default " + s.defaultValue();
    }

    /**
     * A {@link Setting.Kind#BOOLEAN} setting: {@code true}, {@code 1}, {@code yes} or {@code on};
     * {@code false}, {@code 0}, {@code no} or {@code off} (any case).
     *
     * @param s the setting
     * @return its value, or its default when unset (or invalid, for a lenient reader)
     * @throws InvalidSettingException when the value is invalid and this reader is strict
     */
    public boolean bool(Setting s) {
        return parse(s, v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> Boolean.TRUE;
            case "false", "0", "no", "off" -> Boolean.FALSE;
            default -> null;
        });
    }

    /**
     * A {@link Setting.Kind#LONG} setting: a whole number.
     *
     * @param s the setting
     * @return its value, or its default when unset (or invalid, for a lenient reader)
     * @throws InvalidSettingException when the value is invalid and this reader is strict
     */
    public long number(Setting s) {
        return parse(s, v -> {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                return null;
            }
        });
    }

    /**
     * A byte count; "auto" (where it is the default) comes back as -1.
     *
     * @param s the setting
     * @return bytes, or -1 for "auto"; the default when unset (or invalid, for a lenient reader)
     * @throws InvalidSettingException when the value is invalid and this reader is strict
     */
    public long bytes(Setting s) {
        return parse(s, Settings::parseBytes);
    }

    /**
     * One of the setting's choices, lower case.
     *
     * @param s the setting; the value may use any case, and {@code _} for {@code -}
     * @return the choice as {@link Setting#choices()} spells it; the default when unset (or invalid,
     *         for a lenient reader)
     * @throws InvalidSettingException when the value is none of the choices and this reader is strict
     */
    public String choice(Setting s) {
        return parse(s, v -> {
            String lower = v.toLowerCase(Locale.ROOT).replace('_', '-');
            for (String c : s.choices()) {
                if (c.replace('_', '-').equals(lower)) {
                    return c;
                }
            }
            return null;
        });
    }

    /**
     * Free text, or null when unset.
     *
     * @param s the setting
     * @return the value, trimmed, or null when unset or blank
     */
    public String text(Setting s) {
        return raw(s);
    }

    /**
     * Problems a lenient reader met (each names the setting, the bad value and what is allowed).
     *
     * @return one message per invalid value read so far; empty for a strict reader
     */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    private <T> T parse(Setting s, java.util.function.Function<String, T> parser) {
        String v = raw(s);
        if (v != null) {
            T parsed = parser.apply(v);
            if (parsed != null) {
                return parsed;
            }
            InvalidSettingException e = new InvalidSettingException(s, source(s));
            if (!lenient) {
                throw e;
            }
            problems.add(e.getMessage() + "; using the default " + s.defaultValue());
        }
        return parser.apply(s.defaultValue());
    }

    /**
     * "65536", "64k", "4m", "1g", "1t" (binary units), or "auto" (-1); null when not a byte count.
     *
     * @param v the text; a trailing {@code b} or {@code ib} is allowed, case does not matter
     * @return bytes, -1 for "auto", or null for a negative count, an overflow or anything else
     */
    public static Long parseBytes(String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return -1L;
        }
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> {}
            }
        }
        if (shift > 0) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t.trim());
            if (n < 0 || (shift > 0 && n > Long.MAX_VALUE >>> shift)) {
                return null;
            }
            return n << shift;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
