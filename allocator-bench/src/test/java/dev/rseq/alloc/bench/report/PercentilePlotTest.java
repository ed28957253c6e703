package dev.rseq.alloc.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class PercentilePlotTest {

    @Test
    void writesWellFormedSelfContainedSvg(@TempDir Path dir) throws Exception {
        Histogram fast = new Histogram(3);
        Histogram slow = new Histogram(3);
        for (int i = 1; i <= 10_000; i++) {
            fast.recordValue(10 + i % 50);
            slow.recordValue(100 + i % 5000);
        }
        slow.recordValue(2_000_000);
        Path file = dir.resolve("plot.svg");
        PercentilePlot.write(
                file,
                "title with <markup> & \"quotes\"",
                List.of(
                        new PercentilePlot.Series("rseq", "1 thread", fast, true),
                        new PercentilePlot.Series("a<b&c", "1 thread", slow, false),
                        new PercentilePlot.Series("rseq", "2 threads", fast, true),
                        new PercentilePlot.Series("empty", "2 threads", new Histogram(3), false)));

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        Element root = doc.getDocumentElement();
        assertEquals("svg", root.getTagName());
        NodeList lines = doc.getElementsByTagName("polyline");
        assertEquals(4, lines.getLength());
        String points = ((Element) lines.item(0)).getAttribute("points");
        assertTrue(points.split(" ").length > 10, "a distribution has many points: " + points);
        String text = root.getTextContent();
        assertTrue(text.contains("a<b&c"), "labels are escaped, not dropped");
        assertTrue(text.contains("99.99%"));
        assertTrue(text.contains("1 thread") && text.contains("2 threads"), "one panel per group");
        String svg = java.nio.file.Files.readString(file);
        assertFalse(svg.contains("<script"), "no scripts");
        assertFalse(svg.replace("xmlns=\"http://www.w3.org/2000/svg\"", "").contains("http"), "no external resources");
    }
}
