package dev.rseq.alloc.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** A per-CPU miss that reached the central tier: blocks taken from or given to the spans. */
@Name("dev.rseq.alloc.CentralTransfer")
@Label("Central Transfer")
@Category({"rseqalloc", "Per-CPU"})
@Description("The calling cpu's cache could not serve a batch: the central tier (transfer cache, spans) did")
@Threshold("1 ms")
@StackTrace(false)
public final class CentralTransferEvent extends jdk.jfr.Event {
    @Label("Size Class")
    public int sizeClass;

    @Label("Block Size")
    @DataAmount
    public long blockSize;

    @Label("Blocks")
    public int blocks;

    @Label("Direction")
    @Description("\"remove\" (blocks out of the central tier) or \"insert\" (blocks back)")
    public String direction;

    @Label("Per-CPU Tier")
    public String tier;
}
