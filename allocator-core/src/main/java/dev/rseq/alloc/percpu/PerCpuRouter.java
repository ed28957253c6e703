package dev.rseq.alloc.percpu;

import dev.rseq.alloc.rseq.RseqMode;

/** How the tier above finds the per-CPU tier that serves a thread. {@link PerCpuTiers} is the real one. */
public interface PerCpuRouter {
    /** Attaches the calling OS thread and returns its mode. */
    RseqMode attachCurrentThread();

    /** The tier serving threads of {@code mode}. */
    PerCpuTier forMode(RseqMode mode);

    /** The tier for a call whose thread's mode is not known: it serves any thread. */
    PerCpuTier direct();
}
