package dev.rseq.alloc.rseq;

import java.util.Collection;
import java.util.Map;

/** Writes the flat JSON objects of the reports: strings, numbers, booleans, null and lists of strings. */
final class JsonText {
    private JsonText() {}

    static String object(Map<String, ?> fields) {
        StringBuilder out = new StringBuilder("{");
        fields.forEach((k, v) -> {
            if (out.length() > 1) {
                out.append(',');
            }
            string(out, k);
            out.append(':');
            value(out, v);
        });
        return out.append('}').toString();
    }

    private static void value(StringBuilder out, Object v) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Number || v instanceof Boolean) {
            out.append(v);
        } else if (v instanceof Collection<?> list) {
            out.append('[');
            boolean first = true;
            for (Object e : list) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                value(out, e);
            }
            out.append(']');
        } else {
            string(out, v.toString());
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
