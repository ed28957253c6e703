package dev.rseq.alloc.rseq;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the flat, one-line JSON objects the children print ({@code RseqReport.toJson()},
 * {@code doctor --json} and the workload's own lines): string, number, boolean and null
 * values, and lists of strings (kept as their raw text, see {@link #list}); no nesting.
 * Enough for these tests; not a JSON parser.
 */
final class Json {
    private static final Pattern FIELD = Pattern.compile(
            "\"([^\"]+)\":(\"((?:[^\"\\\\]|\\\\.)*)\"|\\[(?:[^\\]\"]|\"(?:[^\"\\\\]|\\\\.)*\")*\\]|[^,}]*)");

    private Json() {}

    /** Field name to value; strings unquoted, {@code null} as the Java null. */
    static Map<String, String> parse(String json) {
        String s = json.trim();
        if (!s.startsWith("{") || !s.endsWith("}")) {
            throw new IllegalArgumentException("not a JSON object: " + json);
        }
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = FIELD.matcher(s);
        while (m.find()) {
            String raw = m.group(2);
            out.put(m.group(1), m.group(3) != null ? unescape(m.group(3)) : raw.equals("null") ? null : raw);
        }
        return out;
    }

    /** The strings of a list value ({@code ["a","b"]}) as parsed by {@link #parse}. */
    static List<String> list(String raw) {
        List<String> out = new ArrayList<>();
        Matcher m = STRING.matcher(raw == null ? "" : raw);
        while (m.find()) {
            out.add(unescape(m.group(1)));
        }
        return out;
    }

    private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static String unescape(String s) {
        return s.replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\");
    }
}
