import dev.rseq.alloc.PerCpuAllocator;
public class PairMixed {
    static long sink;
    static long pair(PerCpuAllocator a, long n, long size) {
        long s = 0;
        for (long i = 0; i < n; i++) {
            long p = a.allocate(size);
            s += p;
            a.free(p, size);
        }
        return s;
    }
    // churn: 1024 live blocks, random victim, mixed sizes 16..1024
    static long churn(PerCpuAllocator a, long n, long[] addr, long[] sz, long[] sizes) {
        long r = 88172645463325252L; int next = 0;
        for (long i = 0; i < n; i++) {
            r ^= r << 13; r ^= r >>> 7; r ^= r << 17;
            int v = (int) (((r >>> 32) * addr.length) >>> 32);
            a.free(addr[v], sz[v]);
            long s = sizes[next++ & (sizes.length - 1)];
            long p = a.allocate(s);
            addr[v] = p; sz[v] = s;
        }
        return r;
    }
    public static void main(String[] args) throws Exception {
        PerCpuAllocator a = PerCpuAllocator.builder().build();
        String w = args[0];
        long[] sizes = new long[4096];
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < sizes.length; i++) { double u = rnd.nextDouble(); long lo, hi; if (u < .5) { lo = 16; hi = 64; } else if (u < .8) { lo = 65; hi = 512; } else if (u < .95) { lo = 513; hi = 4096; } else { lo = 4097; hi = 65536; } sizes[i] = lo + (long) (rnd.nextDouble() * (hi - lo + 1)); }
        long[] addr = new long[1024], sz = new long[1024];
        for (int i = 0; i < addr.length; i++) { sz[i] = sizes[i]; addr[i] = a.allocate(sz[i]); }
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            long n = 20_000_000;
            if (w.equals("pair")) sink += pair(a, n, 64); else sink += churn(a, n, addr, sz, sizes);
            long t1 = System.nanoTime();
            System.out.printf("%s round %d: %.2f ns/step%n", w, round, (t1 - t0) / (double) n);
        }
        System.out.println(a.stats());
    }
}
