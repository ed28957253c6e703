package dev.rseq.alloc.rseq.modulepath;

import dev.rseq.alloc.nativelib.NativeResources;
import dev.rseq.alloc.rseq.RseqNative;

/**
 * Child main of NativeLoadingTest's module-path test: run from the class path with
 * allocator-core and allocator-native as automatic modules on the module path; prints
 * which modules the classes came from and whether librseqalloc loaded. In a package of its
 * own because the class path cannot add classes to a package a named module holds.
 */
public final class ModulePathProbe {
    private ModulePathProbe() {}

    public static void main(String[] args) {
        System.out.println("MODULES {\"core\":\"" + RseqNative.class.getModule().getName()
                + "\",\"native\":\"" + NativeResources.class.getModule().getName()
                + "\",\"available\":" + RseqNative.available()
                + ",\"mode\":\"" + RseqNative.attachCurrentThread().label() + "\"}");
        if (!RseqNative.available()) {
            System.out.println("REASON " + RseqNative.unavailableReason());
        }
    }
}
