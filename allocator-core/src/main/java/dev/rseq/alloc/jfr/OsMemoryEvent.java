package dev.rseq.alloc.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/** Memory the page heap took from the OS (a commit of its reservation, or a dedicated mapping) or gave back. */
@Name("dev.rseq.alloc.OsMemory")
@Label("OS Memory")
@Category({"rseqalloc", "Page Heap"})
@Description("The page heap made part of its reservation usable, mapped a dedicated block, unmapped one,"
        + " or returned free pages to the OS")
@Threshold("0 ms")
@StackTrace(false)
public final class OsMemoryEvent extends jdk.jfr.Event {
    /** What happened: "commit", "dedicated-map", "dedicated-unmap" or "release". */
    @Label("Operation")
    public String operation;

    @Label("Bytes")
    @DataAmount
    public long bytes;
}
