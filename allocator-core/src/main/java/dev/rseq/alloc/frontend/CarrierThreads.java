package dev.rseq.alloc.frontend;

import dev.rseq.alloc.config.Setting;
import dev.rseq.alloc.config.Settings;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The OS thread running the caller: the thread itself for a platform thread, its carrier
 * for a virtual thread. Thread caches are keyed by it, so the number of caches follows the
 * number of OS threads, never the number of virtual threads.
 *
 * <p>Java has no public way to name a virtual thread's carrier. Two JDK-internal ones are
 * tried, each only if the JVM was started with the export it needs, and neither is
 * required: {@code jdk.internal.access.JavaLangAccess.currentCarrierThread()} (needs
 * {@code --add-exports java.base/jdk.internal.access=ALL-UNNAMED}, or the module's name),
 * then reading {@code VirtualThread.carrierThread} with {@code jdk.internal.misc.Unsafe}
 * (needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}, which Agrona's
 * users already pass). Without either (or with {@code -Drseqalloc.carrierAccess=false}),
 * {@link #current()} returns the virtual thread itself, which never owns a cache, and virtual
 * threads take the per-CPU tier directly (one downcall per operation).
 *
 * <p>Why a carrier's cache is safe for the virtual threads it runs (the JDK's own
 * carrier-local buffer for FFM downcalls was backed out over heap corruption,
 * JDK-8348909): in JDK 25 a virtual thread leaves its carrier only where it blocks
 * (parking, blocking I/O, {@code Thread.yield}, a contended monitor) — never at an
 * arbitrary safepoint. The cache's hit path is straight-line code with no such point, so
 * no other virtual thread can run on that carrier in the middle of it. Every slow path
 * that can block (the central tier's locks) first leaves the cache consistent, works on a
 * buffer it owns, and looks the carrier up again afterwards, since it may resume on
 * another one.
 *
 * <p>Nothing here waits for a virtual thread to run: the class may be initialized by a
 * virtual thread while every carrier is pinned by others waiting for this very
 * initialization (class initialization pins), so an initializer that started a virtual
 * thread and joined it would stall until its timeout. Instead the lookup is checked on the
 * initializing thread, and its answer is checked on every use: anything but a platform
 * thread (a JDK whose field no longer holds the carrier) reads as "no carrier" and that
 * virtual thread takes the per-CPU tier, never another thread's cache.
 */
public final class CarrierThreads {
    /** How the carrier is found: "JavaLangAccess", "Unsafe", or "none". */
    public static final String METHOD;
    /** {@code () -> Thread}: the OS thread running the caller (or the virtual thread when unknown). */
    private static final MethodHandle CURRENT;

    static {
        MethodHandle h = null;
        String how = "none";
        if (Settings.lenientFromEnvironment().bool(Setting.CARRIER_ACCESS)) {
            try {
                h = viaJavaLangAccess();
                how = "JavaLangAccess";
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                try {
                    h = viaUnsafe();
                    how = "Unsafe";
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e2) {
                    h = null;
                }
            }
        }
        if (h == null) {
            try {
                h = MethodHandles.lookup()
                        .findStatic(Thread.class, "currentThread", MethodType.methodType(Thread.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        CURRENT = h;
        METHOD = how;
    }

    private CarrierThreads() {}

    /** True when virtual threads can be mapped to their carriers. */
    public static boolean available() {
        return !"none".equals(METHOD);
    }

    /** The OS thread running the caller; the virtual thread itself when carriers are not available. */
    public static Thread current() {
        try {
            return (Thread) CURRENT.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static MethodHandle viaJavaLangAccess() throws ReflectiveOperationException {
        try {
            return javaLangAccess();
        } catch (ReflectiveOperationException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle viaUnsafe() throws ReflectiveOperationException {
        try {
            return unsafe();
        } catch (ReflectiveOperationException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle javaLangAccess() throws Throwable {
        Class<?> secrets = Class.forName("jdk.internal.access.SharedSecrets");
        Class<?> jla = Class.forName("jdk.internal.access.JavaLangAccess");
        if (!secrets.getModule().isExported(secrets.getPackageName(), CarrierThreads.class.getModule())) {
            throw new IllegalAccessException(
                    "jdk.internal.access is not exported to " + CarrierThreads.class.getModule());
        }
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Object access = lookup.findStatic(secrets, "getJavaLangAccess", MethodType.methodType(jla))
                .invoke();
        MethodHandle carrier = lookup.findVirtual(jla, "currentCarrierThread", MethodType.methodType(Thread.class));
        MethodHandle bound = carrier.bindTo(access);
        // carrier() on a virtual thread: a platform carrier, else the caller itself.
        MethodHandle checked = MethodHandles.foldArguments(
                lookup.findStatic(
                        CarrierThreads.class,
                        "platformOrSelf",
                        MethodType.methodType(Thread.class, Object.class, Thread.class)),
                MethodHandles.dropArguments(bound.asType(MethodType.methodType(Object.class)), 0, Thread.class));
        MethodHandle currentThread =
                lookup.findStatic(Thread.class, "currentThread", MethodType.methodType(Thread.class));
        MethodHandle h = MethodHandles.filterReturnValue(currentThread, checked);
        checkOnThisThread(h);
        return h;
    }

    private static MethodHandle unsafe() throws Throwable {
        Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
        if (!unsafeClass.getModule().isExported(unsafeClass.getPackageName(), CarrierThreads.class.getModule())) {
            throw new IllegalAccessException(
                    "jdk.internal.misc is not exported to " + CarrierThreads.class.getModule());
        }
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Object unsafe = lookup.findStatic(unsafeClass, "getUnsafe", MethodType.methodType(unsafeClass))
                .invoke();
        Class<?> virtual = Class.forName("java.lang.VirtualThread");
        long offset = (long) lookup.findVirtual(
                        unsafeClass, "objectFieldOffset", MethodType.methodType(long.class, Class.class, String.class))
                .invoke(unsafe, virtual, "carrierThread");
        MethodHandle get = lookup.findVirtual(
                        unsafeClass, "getReference", MethodType.methodType(Object.class, Object.class, long.class))
                .bindTo(unsafe);
        // carrierOf(t) = t.isVirtual() ? (Thread) unsafe.getReference(t, offset) : t
        if (virtual.getDeclaredField("carrierThread").getType() != Thread.class) {
            throw new NoSuchFieldException("VirtualThread.carrierThread is not a Thread in this JDK");
        }
        // carrierOf(t) = t.isVirtual() ? platformOrSelf(unsafe.getReference(t, offset), t) : t
        MethodHandle read =
                MethodHandles.insertArguments(get, 1, offset).asType(MethodType.methodType(Object.class, Thread.class));
        MethodHandle checkedRead = MethodHandles.foldArguments(
                lookup.findStatic(
                        CarrierThreads.class,
                        "platformOrSelf",
                        MethodType.methodType(Thread.class, Object.class, Thread.class)),
                read);
        MethodHandle isVirtual = lookup.findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        MethodHandle carrierOf =
                MethodHandles.guardWithTest(isVirtual, checkedRead, MethodHandles.identity(Thread.class));
        MethodHandle currentThread =
                lookup.findStatic(Thread.class, "currentThread", MethodType.methodType(Thread.class));
        MethodHandle h = MethodHandles.filterReturnValue(currentThread, carrierOf);
        checkOnThisThread(h);
        return h;
    }

    /** The carrier when it is a platform thread; otherwise the caller, which owns no cache. */
    @SuppressWarnings("unused") // called through a method handle
    private static Thread platformOrSelf(Object carrier, Thread self) {
        return carrier instanceof Thread c && !c.isVirtual() ? c : self;
    }

    /** On the initializing thread: a platform thread must map to itself, a virtual one to a platform carrier. */
    private static void checkOnThisThread(MethodHandle h) throws Throwable {
        Thread self = Thread.currentThread();
        Thread seen = (Thread) h.invokeExact();
        if (self.isVirtual() ? seen == null || seen.isVirtual() : seen != self) {
            throw new IllegalStateException("carrier lookup returned " + seen + " on " + self);
        }
    }
}
