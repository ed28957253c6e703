package dev.rseq.alloc.stress;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The first thing a stress run found wrong, with everything needed to chase it.
 *
 * @param kind       what went wrong
 * @param lane       the allocator instance (stress mode) involved
 * @param thread     the thread that saw it
 * @param threadMode that thread's rseq mode (glibc, own, cas-...), or "-"
 * @param address    the block, 0 when none
 * @param size       its requested size, 0 when none
 * @param offset     byte offset of the first bad word inside the block, -1 when not a content check
 * @param expected   expected bytes at that offset (pattern), when offset >= 0
 * @param actual     bytes found there, when offset >= 0
 * @param detail     a sentence, with a stack trace for unexpected exceptions
 */
public record Violation(
        Kind kind,
        String lane,
        String thread,
        String threadMode,
        long address,
        long size,
        long offset,
        long expected,
        long actual,
        String detail) {

    /** Kinds of violations. */
    public enum Kind {
        /** A block was handed out while it was live. */
        DUPLICATE,
        /** A block's contents changed while a user held it. */
        CORRUPTED,
        /** After every thread stopped and released, some blocks or pages were not back. */
        LOST,
        /** The allocator's own counters disagree with each other. */
        ACCOUNTING,
        /** The allocator threw, or returned something out of contract (misaligned, too small). */
        ALLOCATOR_ERROR,
        /** An arena segment was usable after close, or a close was accepted twice. */
        ARENA,
        /** A thread did not stop. */
        HANG
    }

    static Violation of(Kind kind, String lane, String detail) {
        return new Violation(kind, lane, Thread.currentThread().getName(), "-", 0, 0, -1, 0, 0, detail);
    }

    static Violation block(Kind kind, String lane, String threadMode, long address, long size, String detail) {
        return new Violation(kind, lane, Thread.currentThread().getName(), threadMode, address, size, -1, 0, 0, detail);
    }

    static Violation corrupted(String lane, String threadMode, long address, long size, long owner, long offset) {
        return new Violation(
                Kind.CORRUPTED,
                lane,
                Thread.currentThread().getName(),
                threadMode,
                address,
                size,
                offset,
                BlockPattern.expected(address, size, owner, offset),
                BlockPattern.actual(address, size, offset),
                "block of owner " + owner + " changed while live");
    }

    static Violation thrown(String lane, String threadMode, Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return new Violation(
                Kind.ALLOCATOR_ERROR,
                lane,
                Thread.currentThread().getName(),
                threadMode,
                0,
                0,
                -1,
                0,
                0,
                "unexpected exception: " + w);
    }

    /** Where the block sits: its tier by size. */
    public String tier() {
        if (size == 0) {
            return "-";
        }
        return size > 256 * 1024 ? "large (page heap)" : size > 16 * 1024 ? "small, per-CPU/central only" : "small";
    }

    /** A multi-line report. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append("VIOLATION ").append(kind).append('\n');
        sb.append("  mode/lane   ").append(lane).append('\n');
        sb.append("  thread      ")
                .append(thread)
                .append(" (rseq mode ")
                .append(threadMode)
                .append(")\n");
        if (address != 0) {
            sb.append("  address     0x").append(Long.toHexString(address)).append('\n');
            sb.append("  size        ")
                    .append(size)
                    .append(" B, tier ")
                    .append(tier())
                    .append('\n');
        }
        if (offset >= 0) {
            sb.append("  at offset   ").append(offset).append('\n');
            sb.append("  expected    0x").append(Long.toHexString(expected)).append('\n');
            sb.append("  actual      0x").append(Long.toHexString(actual)).append('\n');
        }
        sb.append("  detail      ").append(detail).append('\n');
        return sb.toString();
    }
}
