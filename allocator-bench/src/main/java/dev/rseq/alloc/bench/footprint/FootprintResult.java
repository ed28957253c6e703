package dev.rseq.alloc.bench.footprint;

import java.util.Properties;

/**
 * What one phase measured. "held" and "cached" are the allocator's own statistics (-1: it
 * has none); RSS figures are read from /proc, the baseline right after the allocator opened.
 *
 * @param heldWhat what the allocator's statistic counts
 */
record FootprintResult(
        String name,
        Phase phase,
        long heldBase,
        long heldAlive,
        long heldAfter,
        long cachedAlive,
        long cachedAfter,
        String heldWhat,
        long rssBase,
        long rssAlive,
        long rssAfter,
        double seconds) {

    Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("name", name);
        p.setProperty("phase", phase.code());
        p.setProperty("heldBase", Long.toString(heldBase));
        p.setProperty("heldAlive", Long.toString(heldAlive));
        p.setProperty("heldAfter", Long.toString(heldAfter));
        p.setProperty("cachedAlive", Long.toString(cachedAlive));
        p.setProperty("cachedAfter", Long.toString(cachedAfter));
        p.setProperty("heldWhat", heldWhat);
        p.setProperty("rssBase", Long.toString(rssBase));
        p.setProperty("rssAlive", Long.toString(rssAlive));
        p.setProperty("rssAfter", Long.toString(rssAfter));
        p.setProperty("seconds", Double.toString(seconds));
        return p;
    }

    static FootprintResult fromProperties(Properties p) {
        return new FootprintResult(
                p.getProperty("name"),
                Phase.parse(p.getProperty("phase")),
                Long.parseLong(p.getProperty("heldBase")),
                Long.parseLong(p.getProperty("heldAlive")),
                Long.parseLong(p.getProperty("heldAfter")),
                Long.parseLong(p.getProperty("cachedAlive")),
                Long.parseLong(p.getProperty("cachedAfter")),
                p.getProperty("heldWhat"),
                Long.parseLong(p.getProperty("rssBase")),
                Long.parseLong(p.getProperty("rssAlive")),
                Long.parseLong(p.getProperty("rssAfter")),
                Double.parseDouble(p.getProperty("seconds")));
    }
}
