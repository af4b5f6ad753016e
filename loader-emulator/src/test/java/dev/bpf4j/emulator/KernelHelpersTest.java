package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * testdata kernel_helpers.o (bpf_snprintf, bpf_strncmp, bpf_loop, bpf_probe_read_kernel[_str])
 * on one packet. The expected values are what Linux 6.18 left in the program's .bss for
 * the same packet under BPF_PROG_TEST_RUN (bpftool prog run, then bpftool map dump),
 * little-endian; the random-packet comparison with the live kernel is KernelAgreementTest's.
 */
class KernelHelpersTest {
    /** 1..16, an IPv6-looking 0x20 01 0d b8 00 00 00 00, "abcdefgh", "hello\0xy", 20 zeros. */
    static byte[] packet() {
        var b = ByteBuffer.allocate(60);
        for (int i = 1; i <= 16; i++)
            b.put((byte) i);
        b.put(new byte[] {0x20, 1, 0xd, (byte) 0xb8, 0, 0, 0, 0});
        b.put("abcdefgh".getBytes(StandardCharsets.US_ASCII));
        b.put("hello\0xy".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void snprintfStrncmpLoopAndProbeReadAsTheKernel(Target target) throws Exception {
        try (LoadedObject obj = Bpf4j.open("kernel_helpers.o", TestObjects.object("kernel_helpers", target)).load()) {
            assertEquals(2, obj.program("kernel_helpers").testRun(TestRun.ofData(packet())).retval());
            byte[] bss = obj.map("kernel_h.bss").lookup(0L).orElseThrow();
            ByteBuffer v = ByteBuffer.wrap(bss).order(target == Target.BPFEB ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            if (target == Target.BPFEL) { // the integers read from the packet differ in the other byte order
                assertEquals("67305985 134678021 202050057 b80d0120 0|", string(bss, 0));
                assertEquals("578437695752307201 1157159078456920585 b80d0120", string(bss, 48));
                assertEquals("-32255|9    |00288|+1| 9|A", string(bss, 96));
                assertEquals(41, v.getLong(288));
                assertEquals(68, v.getLong(296));
                assertEquals(27, v.getLong(304));
                assertEquals(19, v.getLong(336));
                assertEquals("8070605", string(bss, 344));
                assertEquals(9, v.getLong(368));     // bpf_loop: stopped by the callback after 9 calls
                assertEquals(213, v.getLong(376));
            }
            assertEquals("97.98.99.100 101.102.103.104 [hello]", string(bss, 144));
            assertEquals("2001:0db8:0000:0000:6162:6364:6566:6768", string(bss, 192));
            assertEquals("20010db8000000006162636465666768  abcdefg", string(bss, 240));
            assertEquals(37, v.getLong(312));
            assertEquals(40, v.getLong(320));
            assertEquals(42, v.getLong(328));
            assertEquals(1, v.getLong(352));         // strncmp("abcdefg", "abcdef", 8)
            assertEquals(-1, v.getLong(360));        // strncmp("abc", "abz", 3)
            assertEquals(0, v.getLong(384));         // probe_read_kernel
            assertEquals(8, v.getLong(392));         // probe_read_kernel_str: "ghhello" + NUL
            assertEquals(Arrays.toString(Arrays.copyOfRange(packet(), 8, 24)), Arrays.toString(Arrays.copyOfRange(bss, 400, 416)));
            assertEquals("ghhello", string(bss, 416));
            assertEquals(1, v.getInt(432));
        }
    }

    private static String string(byte[] b, int at) {
        int end = at;
        while (b[end] != 0)
            end++;
        return new String(b, at, end - at, StandardCharsets.ISO_8859_1);
    }
}
