package dev.rseq.alloc;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;

/**
 * JSON for the stats records, written from their record components so a new figure
 * appears in the JSON without a second list to keep in step. Numbers, strings, maps
 * (keys as strings) and lists of records.
 */
final class StatsJson {
    private StatsJson() {}

    static String write(Record r) {
        StringBuilder sb = new StringBuilder();
        value(sb, r);
        return sb.toString();
    }

    private static void value(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case Record r -> record(sb, r);
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : new java.util.TreeMap<>(m).entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    value(sb, e.getValue());
                }
                sb.append('}');
            }
            case Collection<?> c -> {
                sb.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    value(sb, o);
                }
                sb.append(']');
            }
            case Double d -> sb.append(d.isNaN() || d.isInfinite() ? "null" : d.toString());
            case Number n -> sb.append(n);
            case Boolean b -> sb.append(b);
            default -> string(sb, v.toString());
        }
    }

    private static void record(StringBuilder sb, Record r) {
        sb.append('{');
        boolean first = true;
        for (RecordComponent rc : r.getClass().getRecordComponents()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, rc.getName());
            sb.append(':');
            try {
                value(sb, rc.getAccessor().invoke(r));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        sb.append('}');
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        sb.append('"');
    }
}
