package dev.rseq.alloc.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** A thread-cache miss on free: a batch moved down to the per-CPU tier (and maybe the central tier). */
@Name("dev.rseq.alloc.ThreadCacheSpill")
@Label("Thread-Cache Spill")
@Category({"rseqalloc", "Thread Cache"})
@Description("A thread cache was full for a size class and gave a batch to the tiers below")
@Threshold("1 ms")
@StackTrace(false)
public final class ThreadCacheSpillEvent extends jdk.jfr.Event {
    @Label("Size Class")
    public int sizeClass;

    @Label("Block Size")
    @DataAmount
    public long blockSize;

    @Label("Blocks")
    public int blocks;
}
