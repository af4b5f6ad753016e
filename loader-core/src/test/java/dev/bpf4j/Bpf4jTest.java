package dev.bpf4j;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The entry point without any backend on the class path (loader-core alone), and the SPI's small codecs. */
class Bpf4jTest {
    @Test
    void loadWithoutABackendSaysWhatToAdd() {
        var open = Bpf4j.open("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEL));
        assertEquals("xdp_parser", open.spec().name());
        assertTrue(Bpf4j.backends().isEmpty());
        var e = assertThrows(IllegalStateException.class, open::load);
        assertTrue(e.getMessage().contains("loader-emulator"), e.getMessage());
    }

    @Test
    void integerKeysAndValuesFollowTheByteOrder() {
        assertArrayEquals(new byte[] {1, 0, 0, 0}, MapHandle.encode(1, 4, ByteOrder.LITTLE_ENDIAN));
        assertArrayEquals(new byte[] {0, 0, 0, 1}, MapHandle.encode(1, 4, ByteOrder.BIG_ENDIAN));
        assertEquals(0xfffffffeL, MapHandle.decode(new byte[] {-2, -1, -1, -1}, ByteOrder.LITTLE_ENDIAN));
        assertThrows(IllegalArgumentException.class, () -> MapHandle.encode(1, 3, ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void errnoIsNegativeAndNamed() {
        var e = new BackendException(-BackendException.EEXIST, "key present");
        assertEquals(-17, e.errno());
        assertEquals("key present (-EEXIST)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BackendException(2, "positive"));
    }
}
