package dev.rseq.alloc.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: the first column left-aligned, the rest right-aligned (numbers), a
 * dashed rule under the header. Rows shorter than the header are padded with blanks.
 */
public final class TextTable {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public TextTable(List<String> headers) {
        if (headers.isEmpty()) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.headers = List.copyOf(headers);
    }

    public TextTable(String... headers) {
        this(List.of(headers));
    }

    public TextTable addRow(List<String> cells) {
        if (cells.size() > headers.size()) {
            throw new IllegalArgumentException(
                    "row has " + cells.size() + " cells, table has " + headers.size() + " columns");
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    public TextTable addRow(String... cells) {
        return addRow(List.of(cells));
    }

    public int rowCount() {
        return rows.size();
    }

    public String render() {
        int[] width = new int[headers.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = headers.get(c).length();
        }
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, width);
        for (int c = 0; c < width.length; c++) {
            sb.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        sb.append('\n');
        for (List<String> row : rows) {
            line(sb, row, width);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            String cell = c < cells.size() ? cells.get(c) : "";
            if (c > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(width[c] - cell.length());
            line.append(c == 0 ? cell + pad : pad + cell);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    @Override
    public String toString() {
        return render();
    }
}
