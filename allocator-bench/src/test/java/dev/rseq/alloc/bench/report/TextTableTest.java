package dev.rseq.alloc.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextTableTest {

    @Test
    void firstColumnLeftOthersRightAligned() {
        String out = new TextTable("allocator", "p50", "ops/s")
                .addRow("rseq", "7", "120.00M")
                .addRow("glibc-malloc", "1234", "9.1k")
                .render();
        assertEquals("""
                allocator      p50    ops/s
                ------------  ----  -------
                rseq             7  120.00M
                glibc-malloc  1234     9.1k
                """, out);
    }

    @Test
    void shortRowsArePaddedAndLongRowsRejected() {
        TextTable t = new TextTable("a", "b", "c");
        t.addRow("x");
        assertEquals("a  b  c\n-  -  -\nx\n", t.render());
        assertThrows(IllegalArgumentException.class, () -> t.addRow("1", "2", "3", "4"));
    }

    @Test
    void formats() {
        assertEquals("950", Fmt.rate(950));
        assertEquals("12.3k", Fmt.rate(12_300));
        assertEquals("45.60M", Fmt.rate(45_600_000));
        assertEquals("1.00x", Fmt.ratio(5, 5));
        assertEquals("2.50x", Fmt.ratio(5, 2));
        assertEquals("25.0x", Fmt.ratio(50, 2));
        assertEquals("250x", Fmt.ratio(500, 2));
        assertEquals("-", Fmt.ratio(1, 0));
        assertEquals("512 B", Fmt.bytes(512));
        assertEquals("1.5 KiB", Fmt.bytes(1536));
        assertEquals("-2.0 MiB", Fmt.bytes(-2L * 1024 * 1024));
        assertEquals("1 \u00b5s", Fmt.nanosLabel(1000));
        assertEquals("10 ns", Fmt.nanosLabel(10));
    }
}
