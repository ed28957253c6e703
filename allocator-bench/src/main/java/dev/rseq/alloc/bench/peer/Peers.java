package dev.rseq.alloc.bench.peer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every allocator the benchmarks know, by id, in the order tables list them. */
public final class Peers {
    private static final Map<String, Peer> BY_ID = new LinkedHashMap<>();

    static {
        for (OurMode mode : OurMode.values()) {
            add(new Peer(mode.id(), mode.description(), true, Peers::ours, slots -> new OurAllocatorPeer(mode)));
        }
        add(new Peer("rseq-arena-confined", "ours through Arena: newConfinedArena() opened and closed per block",
                false, Peers::ours, slots -> new OurArenaPeer(false, slots)));
        add(new Peer("rseq-arena-shared", "ours through Arena: newSharedArena() opened and closed per block",
                true, Peers::ours, slots -> new OurArenaPeer(true, slots)));
        add(new Peer("malloc", "the process malloc/free (glibc unless LD_PRELOAD says otherwise)",
                true, Availability::yes, slots -> new MallocPeer()));
        add(new Peer("tcmalloc", "gperftools tcmalloc " + TcmallocPeer.SONAME + ", tc_malloc/tc_free_sized",
                true, () -> TcmallocPeer.availability(), slots -> new TcmallocPeer()));
        add(new Peer("jemalloc", "jemalloc " + JemallocPeer.SONAME + ", malloc/sdallocx (needs LD_PRELOAD)",
                true, () -> JemallocPeer.availability(), slots -> new JemallocPeer()));
        add(new Peer("mimalloc", "mimalloc " + MimallocPeer.SONAME + ", mi_malloc/mi_free_size",
                true, () -> MimallocPeer.availability(), slots -> new MimallocPeer()));
        add(new Peer("arena-confined", "Arena.ofConfined() opened, allocated from and closed per block",
                false, Availability::yes, slots -> new JdkArenaPeer(false, slots)));
        add(new Peer("arena-shared", "Arena.ofShared() opened, allocated from and closed per block",
                true, Availability::yes, slots -> new JdkArenaPeer(true, slots)));
        add(new Peer("unsafe", "sun.misc.Unsafe allocateMemory/freeMemory",
                true, () -> UnsafePeer.availability(), slots -> new UnsafePeer()));
        add(new Peer("bytebuffer", "ByteBuffer.allocateDirect; free drops the reference (GC-driven)",
                true, Availability::yes, DirectByteBufferPeer::new));
        add(new Peer("netty-pooled", "Netty PooledByteBufAllocator.DEFAULT directBuffer/release (leak detector off)",
                true, Availability::yes, NettyPooledPeer::new));
        add(new Peer("netty-adaptive", "Netty AdaptiveByteBufAllocator directBuffer/release (leak detector off)",
                true, Availability::yes, NettyAdaptivePeer::new));
        add(new Peer("baseline", "not an allocator: one empty critical downcall per op (the harness floor)",
                true, Availability::yes, slots -> new BaselinePeer()));
    }

    /** Default rows of {@code compare}: ours (defaults) first, then every external peer and the floor. */
    public static final List<String> COMPARE_DEFAULT = List.of("rseq", "malloc", "tcmalloc", "jemalloc",
            "mimalloc", "unsafe", "arena-confined", "bytebuffer", "netty-pooled", "netty-adaptive", "baseline");

    /** Default rows of {@code footprint}: the allocators that report what they hold, plus glibc. */
    public static final List<String> FOOTPRINT_DEFAULT = List.of("rseq", "malloc", "tcmalloc",
            "netty-pooled", "netty-adaptive");

    private Peers() {
    }

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
            throw new IllegalArgumentException("unknown allocator '" + id + "'; known: "
                    + String.join(",", BY_ID.keySet()));
        }
        return peer;
    }

    /** Ids of those that can run in this process, in catalog order. */
    public static List<String> availableIds(boolean crossThreadOnly) {
        List<String> ids = new ArrayList<>();
        for (Peer peer : BY_ID.values()) {
            if ((!crossThreadOnly || peer.crossThreadFree()) && peer.availability().available()) {
                ids.add(peer.id());
            }
        }
        return ids;
    }

    /** Lists each peer with its availability: for {@code --help} and skipped-row messages. */
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
