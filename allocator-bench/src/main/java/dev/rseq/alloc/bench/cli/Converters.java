package dev.rseq.alloc.bench.cli;

import dev.rseq.alloc.bench.SizeDistribution;
import dev.rseq.alloc.bench.peer.Peers;
import dev.rseq.alloc.bench.workload.Workload;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option value converters. Each throws {@link TypeConversionException}, which picocli
 * reports as "Invalid value for option '--x': why", through the common error handler.
 * None of them loads an allocator: checking an id only looks it up in the catalog.
 */
public final class Converters {
    private Converters() {}

    /** 500ms, 2s, 1.5s, 1m, or a bare number of seconds. */
    public static final class DurationValue implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A positive int; underscores allowed (100_000). */
    public static final class PositiveInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            long v = new PositiveLong().convert(value);
            if (v > Integer.MAX_VALUE) {
                throw new TypeConversionException("too large: " + value);
            }
            return (int) v;
        }
    }

    /** A positive long; underscores allowed. */
    public static final class PositiveLong implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long v;
            try {
                v = Long.parseLong(value.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("not a number: '" + value + "'");
            }
            if (v <= 0) {
                throw new TypeConversionException("must be positive, not " + value);
            }
            return v;
        }
    }

    /** An allocator id from the catalog. */
    public static final class AllocatorId implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return Peers.byId(value.trim()).id();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A workload id, or "all". */
    public static final class WorkloadName implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.trim();
            if (v.equals("all")) {
                return v;
            }
            try {
                return Workload.byId(v).id();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A size distribution name or a list of sizes. */
    public static final class Sizes implements ITypeConverter<SizeDistribution> {
        @Override
        public SizeDistribution convert(String value) {
            try {
                return SizeDistribution.parse(value.trim());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
