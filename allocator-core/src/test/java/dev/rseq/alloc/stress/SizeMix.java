package dev.rseq.alloc.stress;

import java.util.SplittableRandom;

/**
 * Request sizes from 8 B to 512 KiB, skewed small the way real heaps are, with a tail
 * that reaches every tier: the hot small classes, larger classes whose thread-cache
 * stacks hold only a few blocks (up to 256 KiB, multi-page spans), and large page-heap
 * allocations above.
 */
public final class SizeMix {
    public static final long MAX = 512 * 1024;

    private SizeMix() {}

    public static long next(SplittableRandom rng) {
        int r = rng.nextInt(1000);
        if (r < 720) {
            return 8 + rng.nextInt(121); // 8 .. 128: the hot small classes
        }
        if (r < 920) {
            return 129 + rng.nextInt(2048 - 128); // 129 .. 2 KiB
        }
        if (r < 990) {
            return logUniform(rng, 2048, 32 * 1024); // 2 .. 32 KiB: thread-cache stacks of 8 to 128 blocks
        }
        if (r < 999) {
            return logUniform(rng, 32 * 1024, 256 * 1024); // multi-page span classes
        }
        return 256 * 1024 + 1 + rng.nextLong(MAX - 256 * 1024); // large: page heap
    }

    /** Small sizes only (for virtual-thread tasks and bulk operations). */
    public static long small(SplittableRandom rng) {
        return rng.nextInt(10) < 8 ? 8 + rng.nextInt(121) : 129 + rng.nextInt(4096 - 128);
    }

    private static long logUniform(SplittableRandom rng, long lo, long hi) {
        double x = Math.log(lo) + rng.nextDouble() * (Math.log(hi) - Math.log(lo));
        return Math.min(hi, Math.max(lo, (long) Math.exp(x)));
    }
}
