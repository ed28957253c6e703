package dev.rseq.alloc.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** A thread-cache miss on allocate: a batch moved up from the per-CPU tier (and maybe the central tier). */
@Name("dev.rseq.alloc.ThreadCacheRefill")
@Label("Thread-Cache Refill")
@Category({"rseqalloc", "Thread Cache"})
@Description("A thread cache was empty for a size class and took a batch from the tiers below")
@Threshold("1 ms")
@StackTrace(false)
public final class ThreadCacheRefillEvent extends jdk.jfr.Event {
    @Label("Size Class")
    public int sizeClass;

    @Label("Block Size")
    @DataAmount
    public long blockSize;

    @Label("Blocks")
    public int blocks;
}
