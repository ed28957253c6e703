/**
 * The native library {@code librseqalloc.so}, carried as a resource of this module and served
 * by {@link dev.rseq.alloc.nativelib.NativeResources}. The resource directory ({@code
 * linux-x86_64}) is not a legal package name, so the resource is not encapsulated: the
 * module's own class finds it on the module path and the class path alike.
 */
module dev.rseq.alloc.nativelib {
    exports dev.rseq.alloc.nativelib;
}
