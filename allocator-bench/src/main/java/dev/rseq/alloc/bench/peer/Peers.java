package dev.rseq.alloc.bench.peer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every allocator the benchmarks know, by id, in the order tables list them. */
public final class Peers {
    private static final Map<String, Peer> BY_ID = new LinkedHashMap<>();

    // Factories are lambdas, not constructor references: a constructor reference resolves (loads)
    // its class when the catalog is built, and --help must not load any peer.
    static {
        for (OurMode mode : OurMode.values()) {
            add(new Peer(mode.id(), mode.description(), true, Peers::ours, slots -> new OurAllocatorPeer(mode)));
        }
        add(new Peer(
                "rseq-zeroed",
                "ours, defaults, allocateZeroed (calloc) instead of allocate",
                true,
                Peers::ours,
                slots -> new OurAllocatorPeer(OurMode.DEFAULT, true)));
        add(new Peer(
                "rseq-arena-confined",
                "ours through Arena: newConfinedArena() opened and closed per block",
                false,
                Peers::ours,
                slots -> new OurArenaPeer(false, slots)));
        add(new Peer(
                "rseq-arena-shared",
                "ours through Arena: newSharedArena() opened and closed per block",
                true,
                Peers::ours,
                slots -> new OurArenaPeer(true, slots)));
        add(new Peer(
                "malloc",
                "the process malloc/free (glibc unless LD_PRELOAD says otherwise)",
                true,
                Availability::yes,
                slots -> new MallocPeer()));
        add(new Peer(
                "tcmalloc",
                "gperftools tcmalloc " + TcmallocPeer.SONAME + ", tc_malloc/tc_free_sized",
                true,
                () -> TcmallocPeer.availability(),
                slots -> new TcmallocPeer()));
        add(new Peer(
                "jemalloc",
                "jemalloc " + JemallocPeer.SONAME + ", malloc/sdallocx (needs LD_PRELOAD)",
                true,
                () -> JemallocPeer.availability(),
                slots -> new JemallocPeer()));
        add(new Peer(
                "mimalloc",
                "mimalloc " + MimallocPeer.SONAME + ", mi_malloc/mi_free_size",
                true,
                () -> MimallocPeer.availability(),
                slots -> new MimallocPeer()));
        add(new Peer(
                "arena-confined",
                "Arena.ofConfined() opened, allocated from and closed per block",
                false,
                Availability::yes,
                slots -> new JdkArenaPeer(false, slots)));
        add(new Peer(
                "arena-shared",
                "Arena.ofShared() opened, allocated from and closed per block",
                true,
                Availability::yes,
                slots -> new JdkArenaPeer(true, slots)));
        add(new Peer(
                "unsafe",
                "sun.misc.Unsafe allocateMemory/freeMemory",
                true,
                () -> UnsafePeer.availability(),
                slots -> new UnsafePeer()));
        add(new Peer(
                "bytebuffer",
                "ByteBuffer.allocateDirect; free drops the reference (GC-driven)",
                true,
                Availability::yes,
                slots -> new DirectByteBufferPeer(slots)));
        add(new Peer(
                "netty-pooled",
                "Netty PooledByteBufAllocator.DEFAULT directBuffer/release (leak detector off)",
                true,
                Availability::yes,
                slots -> new NettyPooledPeer(slots)));
        add(new Peer(
                "netty-adaptive",
                "Netty AdaptiveByteBufAllocator directBuffer/release (leak detector off)",
                true,
                Availability::yes,
                slots -> new NettyAdaptivePeer(slots)));
        add(new Peer(
                "baseline",
                "not an allocator: one empty critical downcall per op (the FFM floor)",
                true,
                Availability::yes,
                slots -> new BaselinePeer(slots)));
        add(new Peer(
                "floor",
                "no allocator at all: a fixed cell per slot in a preallocated buffer (the harness floor)",
                true,
                Availability::yes,
                slots -> new FloorPeer(slots)));
    }

    /** Default rows of {@code compare}, as written in its help: ours first, every external peer, the floors. */
    public static final String COMPARE_DEFAULT_SPEC = "rseq,malloc,tcmalloc,jemalloc,mimalloc,unsafe,arena-confined,"
            + "bytebuffer,netty-pooled,netty-adaptive,baseline,floor";

    public static final List<String> COMPARE_DEFAULT = List.of(COMPARE_DEFAULT_SPEC.split(","));

    /** Default rows of {@code footprint}: the allocators that report what they hold, plus glibc. */
    public static final String FOOTPRINT_DEFAULT_SPEC = "rseq,malloc,tcmalloc,netty-pooled,netty-adaptive";

    public static final List<String> FOOTPRINT_DEFAULT = List.of(FOOTPRINT_DEFAULT_SPEC.split(","));

    private Peers() {}

    private static void add(Peer peer) {
        BY_ID.put(peer.id(), peer);
    }

    private static Availability ours() {
        try {
            Class.forName("dev.rseq.alloc.PerCpuAllocator", true, Peers.class.getClassLoader());
            return Availability.yes();
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.no("rseq skipped: allocator-core cannot initialise here: " + e);
        }
    }

    public static List<Peer> all() {
        return List.copyOf(BY_ID.values());
    }

    public static List<String> ids() {
        return List.copyOf(BY_ID.keySet());
    }

    /** The peer with this id. */
    public static Peer byId(String id) {
        Peer peer = BY_ID.get(id);
        if (peer == null) {
            throw new IllegalArgumentException(
                    "unknown allocator '" + id + "'; known: " + String.join(",", BY_ID.keySet()));
        }
        return peer;
    }

    /** Ids of those that can run in this process, in catalog order. */
    public static List<String> availableIds(boolean crossThreadOnly) {
        List<String> ids = new ArrayList<>();
        for (Peer peer : BY_ID.values()) {
            if ((!crossThreadOnly || peer.crossThreadFree())
                    && peer.availability().available()) {
                ids.add(peer.id());
            }
        }
        return ids;
    }

    /**
     * Each id with its description, without probing anything: what {@code --help} shows (a
     * probe loads the peer's library, and help must work where none is installed).
     */
    public static String catalog() {
        StringBuilder sb = new StringBuilder();
        descriptions().forEach((id, description) -> sb.append(String.format("  %-20s %s%n", id, description)));
        return sb.toString();
    }

    /** Id to description, in catalog order; probes nothing. */
    public static Map<String, String> descriptions() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Peer peer : BY_ID.values()) {
            m.put(peer.id(), peer.description());
        }
        return m;
    }

    /** Lists each peer with its availability here: probes (loads) every one of them. */
    public static String describe() {
        StringBuilder sb = new StringBuilder();
        for (Peer peer : BY_ID.values()) {
            Availability a = peer.availability();
            sb.append(String.format("  %-20s %s%n", peer.id(), peer.description()));
            if (!a.available()) {
                sb.append(String.format("  %-20s   (unavailable: %s)%n", "", a.message()));
            }
        }
        return sb.toString();
    }
}
