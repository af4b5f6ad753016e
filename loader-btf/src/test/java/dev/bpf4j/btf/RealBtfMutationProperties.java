package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import dev.bpf4j.testdata.TestObjects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Only {@link BtfFormatException} escapes when real blobs are damaged: the .BTF sections of every
 * testdata object (both byte orders, as clang wrote them) and the kernel's vmlinux where present,
 * with the mutations of {@link BtfMutationProperties}. Real blobs reach parts of the parser the
 * generated graphs rarely do (long string sections, deep typedef chains, thousands of types).
 */
class RealBtfMutationProperties {

    private static final List<byte[]> OBJECT_BLOBS = objectBlobs();

    /** The .BTF section of an ELF64 object, found through the section headers (enough for clang's output). */
    static byte[] btfSection(byte[] elf) {
        ByteOrder order = elf[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer b = ByteBuffer.wrap(elf).order(order);
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3a) & 0xffff, shnum = b.getShort(0x3c) & 0xffff, shstrndx = b.getShort(0x3e) & 0xffff;
        long strOff = b.getLong((int) (shoff + (long) shstrndx * shentsize + 0x18));
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + (long) i * shentsize);
            int nameAt = (int) (strOff + b.getInt(h));
            int end = nameAt;
            while (elf[end] != 0)
                end++;
            if (new String(elf, nameAt, end - nameAt, StandardCharsets.US_ASCII).equals(".BTF")) {
                int off = (int) b.getLong(h + 0x18), size = (int) b.getLong(h + 0x20);
                return java.util.Arrays.copyOfRange(elf, off, off + size);
            }
        }
        return null;
    }

    private static List<byte[]> objectBlobs() {
        List<byte[]> blobs = new ArrayList<>();
        for (TestObjects.Target target : TestObjects.Target.values())
            for (String name : TestObjects.names()) {
                byte[] btf = btfSection(TestObjects.object(name, target));
                if (btf != null)
                    blobs.add(btf);
            }
        return blobs;
    }

    @Provide
    Arbitrary<byte[]> objectBlob() {
        return Arbitraries.of(OBJECT_BLOBS);
    }

    @Provide
    Arbitrary<List<BtfMutationProperties.Mutation>> mutations() {
        return new BtfMutationProperties().mutations();
    }

    @Property(tries = 1000)
    void mutatedObjectBtfParsesOrFailsWithBtfFormatException(
            @ForAll("objectBlob") byte[] blob, @ForAll("mutations") List<BtfMutationProperties.Mutation> mutations) {
        assertFalse(OBJECT_BLOBS.isEmpty(), "no testdata object has a .BTF section");
        Btf.parse(blob); // the unmutated blob is valid
        for (BtfMutationProperties.Mutation m : mutations)
            blob = m.apply(blob);
        Btf btf;
        try {
            btf = Btf.parse(blob);
        } catch (BtfFormatException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank());
            return;
        }
        BtfMutationProperties.queryEverything(btf);
        BtfSanitizer.sanitize(btf, BtfFeatures.none());
        Btf.parse(BtfEncoder.encode(btf, ByteOrder.BIG_ENDIAN));
    }

    private static final byte[] VMLINUX = readVmlinux();

    private static byte[] readVmlinux() {
        try {
            return Files.isReadable(KernelBtf.VMLINUX) ? Files.readAllBytes(KernelBtf.VMLINUX) : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Property(tries = 40)
    void mutatedVmlinuxParsesOrFailsWithBtfFormatException(@ForAll("mutations") List<BtfMutationProperties.Mutation> mutations) {
        if (VMLINUX == null)
            return; // nothing to mutate on a kernel without BTF; the object blobs above still run
        byte[] blob = VMLINUX;
        for (BtfMutationProperties.Mutation m : mutations)
            blob = m.apply(blob);
        Btf btf;
        try {
            btf = Btf.parse(blob);
        } catch (BtfFormatException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank());
            return;
        }
        // Every id of a 100k-type blob is too slow per try: decode, resolve and size a spread of ids.
        for (int id = 0; id < btf.typeCount(); id += 97) {
            btf.type(id);
            btf.resolve(id);
            try {
                btf.sizeOf(id);
            } catch (BtfFormatException e) {
                assertFalse(e.getMessage().isBlank());
            }
        }
    }
}
