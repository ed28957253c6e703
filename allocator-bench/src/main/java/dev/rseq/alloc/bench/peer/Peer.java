package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A catalog entry: a stable id (used on command lines and as the JMH {@code @Param} value),
 * a one-line description, a probe that says whether it can run here, and a factory.
 *
 * @param crossThreadFree whether blocks may be freed on another thread (producer/consumer runs)
 */
public record Peer(
        String id,
        String description,
        boolean crossThreadFree,
        Supplier<Availability> probe,
        IntFunction<BenchAllocator> factory) {

    public Availability availability() {
        try {
            return probe.get();
        } catch (RuntimeException | LinkageError e) {
            return Availability.no(id + ": probe failed: " + e);
        }
    }

    /**
     * Opens the allocator with room for {@code slots} live blocks in total.
     *
     * @throws IllegalStateException with the skip message when it cannot run here
     */
    public BenchAllocator open(int slots) {
        Availability a = availability();
        if (!a.available()) {
            throw new IllegalStateException(a.message());
        }
        return factory.apply(slots);
    }
}
