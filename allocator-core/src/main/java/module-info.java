/**
 * The allocator. Its API is {@link dev.rseq.alloc.PerCpuAllocator} and the types around it
 * in {@code dev.rseq.alloc}; {@code dev.rseq.alloc.config} lists every setting. Every other
 * package is internal.
 *
 * <p>Run with {@code --enable-native-access=dev.rseq.alloc} (FFM downcalls). Virtual threads
 * use their carriers' thread caches when the JVM exports the carrier to this module:
 * {@code --add-exports java.base/jdk.internal.misc=dev.rseq.alloc} (or {@code
 * jdk.internal.access}); without it they use the per-CPU tier directly.
 */
// Agrona publishes an Automatic-Module-Name; the API hands out its UnsafeBuffer, hence transitive.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.rseq.alloc {
    requires dev.rseq.alloc.nativelib;
    requires transitive org.agrona;
    requires transitive java.management; // registerMBean returns an ObjectName
    requires jdk.jfr;

    exports dev.rseq.alloc;
    exports dev.rseq.alloc.config;
}
