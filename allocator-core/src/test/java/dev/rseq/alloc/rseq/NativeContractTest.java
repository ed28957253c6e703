package dev.rseq.alloc.rseq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The constants Java shares with librseqalloc against the library's own table. The
 * load-time refusal of a mismatching library runs in {@link NativeLoadingTest}.
 */
class NativeContractTest {
    @Test
    void theLoadedLibraryMatchesThisJavaCode() {
        assertTrue(
                RseqNative.available(),
                "librseqalloc must load on the build machine: " + RseqNative.unavailableReason());
        assertEquals(List.of(), NativeContract.differences(NativeContract.nativeValues(), NativeContract.javaSide()));
        assertEquals(
                (long) NativeContract.VERSION,
                NativeContract.nativeValue("RA_CONTRACT_VERSION").orElseThrow());
    }

    @Test
    void everyDifferenceNamesTheConstantAndBothValues() {
        Map<String, Long> skewed = new HashMap<>(NativeContract.nativeValues());
        skewed.put("RA_Q_MM_CID", 11L);
        skewed.remove("RA_Q_ABORTS");
        skewed.put("RA_MODE_SOMETHING_NEW", 8L);
        skewed.put("RA_SLAB_SOMETHING_NEW", 1L); // not a family Java mirrors completely: fine
        skewed.put("RA_CONTRACT_VERSION", 3L);
        List<String> d = NativeContract.differences(skewed, NativeContract.javaSide());
        assertTrue(d.contains("RA_Q_MM_CID is 11 in the native library but 10 in Java"), d.toString());
        assertTrue(
                d.contains("RA_Q_ABORTS is expected by Java (12) but the native library does not define it"),
                d.toString());
        assertTrue(
                d.contains("RA_MODE_SOMETHING_NEW = 8 is defined by the native library but unknown to Java"),
                d.toString());
        assertTrue(
                d.stream().anyMatch(s -> s.startsWith("RA_CONTRACT_VERSION is 3 in the native library but 2")),
                d.toString());
        assertFalse(d.stream().anyMatch(s -> s.contains("RA_SLAB_SOMETHING_NEW")), d.toString());
        assertEquals(4, d.size(), d.toString());
    }

    @Test
    void modeReasonAndQueryCodesAreChecked() {
        Map<String, Long> java = NativeContract.javaSide();
        for (RseqMode m : RseqMode.values()) {
            assertEquals(m.code(), java.get("RA_MODE_" + m.name()));
        }
        for (RseqReason r : RseqReason.values()) {
            assertEquals(r.code(), java.get("RA_REASON_" + r.name()));
        }
        assertEquals(
                26, java.keySet().stream().filter(k -> k.startsWith("RA_Q_")).count(), "every query key");
    }

    @Test
    void theSlabLayoutIsThereForTheCoreToCheck() {
        // dev.rseq.alloc.percpu.SlabLayout's packing: control word 0, class c's header at word
        // 1 + c, current in bits 0..15, end 16..31, begin 32..47.
        NativeContract.require("RA_SLAB_CONTROL_WORD", 0);
        NativeContract.require("RA_SLAB_FIRST_HEADER_WORD", 1);
        NativeContract.require("RA_SLAB_HDR_CURRENT_SHIFT", 0);
        NativeContract.require("RA_SLAB_HDR_END_SHIFT", 16);
        NativeContract.require("RA_SLAB_HDR_BEGIN_SHIFT", 32);
        NativeContract.require("RA_SLAB_HDR_FIELD_BITS", 16);
        NativeContract.require("RA_SLAB_WORD_BYTES", 8);
        IllegalStateException wrong =
                assertThrows(IllegalStateException.class, () -> NativeContract.require("RA_SLAB_HDR_END_SHIFT", 17));
        assertEquals(
                "librseqalloc contract: RA_SLAB_HDR_END_SHIFT is 16 in the native library but 17 in Java",
                wrong.getMessage());
        IllegalStateException missing =
                assertThrows(IllegalStateException.class, () -> NativeContract.require("RA_NO_SUCH_CONSTANT", 1));
        assertTrue(
                missing.getMessage()
                        .contains("RA_NO_SUCH_CONSTANT is expected by Java (1) but the native library"
                                + " does not define it"),
                missing.getMessage());
    }

    @Test
    void rdtscpCountsUp() {
        long a = RseqNative.rdtscp();
        long spin = 0;
        for (int i = 0; i < 100_000; i++) {
            spin += i ^ spin;
        }
        long b = RseqNative.rdtscp();
        assertTrue(a > 0 && b > a, a + " then " + b + " (" + spin + ")");
    }
}
