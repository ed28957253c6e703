package dev.rseq.alloc;

/** The human-readable form of {@link AllocatorStats}: totals, then a line per class that saw traffic. */
final class StatsText {
    private StatsText() {}

    static String write(AllocatorStats s) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                "in use          %,15d B  (%,d small blocks, %,d B in %,d large blocks)%n",
                s.bytesInUse(), s.objectsInUse(), s.largeBytesInUse(), s.largeBlocksInUse()));
        sb.append(String.format(
                "cached          %,15d B  = thread caches %,d + per-cpu %,d + cas %,d + transfer %,d%n",
                s.cachedBytes(), s.threadCacheBytes(), s.perCpuBytes(), s.casBytes(), s.transferBytes()));
        sb.append(String.format("central free    %,15d B  (free blocks inside class spans)%n", s.centralFreeBytes()));
        sb.append(String.format(
                "page heap       %,15d B mapped of %,d reserved; %,d B free, %,d B unbacked; "
                        + "%,d B released in total%n",
                s.heapMappedBytes(),
                s.heapReservedBytes(),
                s.heapFreeBytes(),
                s.heapUnbackedBytes(),
                s.releasedTotalBytes()));
        sb.append(String.format(
                "thread caches   %d (%d dead), by mode %s; budget %,d B, claimed %,d B, %,d steals;"
                        + " %,d adopted, %,d reclaimed%n",
                s.threadCaches(),
                s.deadThreadCaches(),
                s.threadCachesByMode(),
                s.threadCacheBudgetBytes(),
                s.threadCacheClaimedBytes(),
                s.budgetSteals(),
                s.threadCachesAdopted(),
                s.threadCachesReclaimed()));
        sb.append(String.format(
                "per-cpu         regions %s indexed by %s; rseq aborts %,d; virtual threads reach"
                        + " carriers through %s%n",
                s.perCpuBytesByRegion(), s.indexedBy(), s.rseqAborts(), s.carrierAccess()));
        sb.append(String.format(
                "%6s %7s %10s %10s %8s %12s %9s %9s %8s %8s %8s %8s %8s%n",
                "class",
                "size",
                "in use",
                "cached",
                "tc cap",
                "tc hits",
                "refills",
                "spills",
                "hit %",
                "cpu miss",
                "steals",
                "cas ops",
                "spans"));
        for (ClassStats c : s.classes()) {
            long traffic = c.threadCacheHits()
                    + c.threadCacheRefills()
                    + c.threadCacheSpills()
                    + c.casOperations()
                    + c.perCpuOperations()
                    + c.objectsInUse()
                    + c.cachedObjects();
            if (traffic == 0) {
                continue;
            }
            double rate = c.threadCacheHitRate();
            sb.append(String.format(
                    "%6d %7d %10d %10d %8d %12d %9d %9d %8s %8d %8d %8d %8d%n",
                    c.sizeClass(),
                    c.size(),
                    c.objectsInUse(),
                    c.cachedObjects(),
                    c.threadCacheCapacity(),
                    c.threadCacheHits(),
                    c.threadCacheRefills(),
                    c.threadCacheSpills(),
                    Double.isNaN(rate) ? "-" : String.format("%.2f", 100 * rate),
                    c.perCpuMisses(),
                    c.perCpuSteals(),
                    c.casOperations(),
                    c.spans()));
        }
        return sb.toString();
    }
}
