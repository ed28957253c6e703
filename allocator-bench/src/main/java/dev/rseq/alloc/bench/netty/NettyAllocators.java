package dev.rseq.alloc.bench.netty;

import dev.rseq.alloc.netty.PerCpuByteBufAllocator;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;

/**
 * The Netty allocators the netty benchmarks compare, by id. Netty's leak detector is switched
 * off unless {@code -Dio.netty.leakDetection.level} is given (as in the compare command's
 * Netty rows): its sampling applies to every allocator alike and is not what is measured.
 */
public final class NettyAllocators {
    /** Ours over {@code PerCpuAllocator.global()}. */
    public static final String PER_CPU = "percpu";
    /** {@code PooledByteBufAllocator.DEFAULT}. */
    public static final String POOLED = "pooled";
    /** A new {@code AdaptiveByteBufAllocator} (the kind Netty 4.2 uses by default). */
    public static final String ADAPTIVE = "adaptive";

    public static final List<String> IDS = List.of(PER_CPU, POOLED, ADAPTIVE);

    static {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    private NettyAllocators() {}

    public static ByteBufAllocator create(String id) {
        return switch (id) {
            case PER_CPU -> PerCpuByteBufAllocator.DEFAULT;
            case POOLED -> PooledByteBufAllocator.DEFAULT;
            case ADAPTIVE -> new AdaptiveByteBufAllocator();
            default -> throw new IllegalArgumentException("unknown Netty allocator '" + id + "' (known: " + IDS + ")");
        };
    }
}
