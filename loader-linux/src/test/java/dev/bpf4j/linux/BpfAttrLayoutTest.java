package dev.bpf4j.linux;

import dev.bpf4j.testdata.LibbpfTool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each field {@link Bpf} writes lands where the installed uapi header puts it: a C program
 * prints {@code offsetof(union bpf_attr, ...)} for every field, and each command is issued to a
 * recording stand-in kernel with a distinct value per field.
 */
class BpfAttrLayoutTest {
    static final Map<String, Integer> OFFSET = new HashMap<>();
    static int attrSize;

    @BeforeAll
    static void offsetsFromTheHeader(@TempDir Path dir) throws Exception {
        String[] fields = {"map_type", "key_size", "value_size", "max_entries", "map_flags", "inner_map_fd", "numa_node",
                "map_name", "btf_fd", "btf_key_type_id", "btf_value_type_id", "map_extra",
                "map_fd", "key", "value", "next_key", "flags",
                "prog_type", "insn_cnt", "insns", "license", "log_level", "log_size", "log_buf", "kern_version",
                "prog_flags", "prog_name", "expected_attach_type", "prog_btf_fd", "func_info_rec_size", "func_info",
                "func_info_cnt", "line_info_rec_size", "line_info", "line_info_cnt", "attach_btf_id",
                "test.prog_fd", "test.retval", "test.data_size_in", "test.data_size_out", "test.data_in", "test.data_out",
                "test.repeat", "test.duration", "test.ctx_size_in", "test.ctx_size_out", "test.ctx_in", "test.ctx_out",
                "info.bpf_fd", "info.info_len", "info.info", "btf", "btf_log_buf", "btf_size", "btf_log_size", "btf_log_level",
                "pathname", "bpf_fd", "file_flags"};
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\nint main(void) {\n");
        for (String f : fields)
            c.append("  printf(\"%s %zu\\n\", \"").append(f).append("\", offsetof(union bpf_attr, ").append(f).append("));\n");
        c.append("  printf(\"sizeof %zu\\n\", sizeof(union bpf_attr));\n  return 0;\n}\n");
        Path bin = LibbpfTool.build(dir, "attr_offsets", c.toString());
        var r = LibbpfTool.run(bin, "");
        assertEquals(0, r.exitCode(), r.stderr());
        for (String line : r.stdout().split("\n")) {
            String[] kv = line.split(" ");
            if (kv[0].equals("sizeof"))
                attrSize = Integer.parseInt(kv[1]);
            else
                OFFSET.put(kv[0], Integer.parseInt(kv[1]));
        }
    }

    private static int at(String field) {
        Integer o = OFFSET.get(field);
        assertTrue(o != null, field);
        return o;
    }

    @Test
    void attrIsAsLargeAsTheHeaders() {
        assertTrue(Bpf.ATTR_SIZE >= attrSize, "union bpf_attr has " + attrSize + " bytes");
    }

    @Test
    void mapCreate() {
        var sys = new FakeSys(c -> 7);
        new Bpf(sys).mapCreate(new Bpf.MapCreate(1, 2, 3, 4, 5, 6, 7, "counters", 9, 10, 11, 0x1_0000_0012L));
        var c = sys.calls.get(0);
        assertEquals(BpfCommand.MAP_CREATE, c.cmd());
        assertEquals(1, c.u32(at("map_type")));
        assertEquals(2, c.u32(at("key_size")));
        assertEquals(3, c.u32(at("value_size")));
        assertEquals(4, c.u32(at("max_entries")));
        assertEquals(5, c.u32(at("map_flags")));
        assertEquals(6, c.u32(at("inner_map_fd")));
        assertEquals(7, c.u32(at("numa_node")));
        assertEquals("counters", new String(c.attr(), at("map_name"), 8, StandardCharsets.US_ASCII));
        assertEquals(0, c.attr()[at("map_name") + 8]);
        assertEquals(9, c.u32(at("btf_fd")));
        assertEquals(10, c.u32(at("btf_key_type_id")));
        assertEquals(11, c.u32(at("btf_value_type_id")));
        assertEquals(0x1_0000_0012L, c.u64(at("map_extra")));
        assertTrue(c.size() >= at("map_extra") + 8);
    }

    @Test
    void longNamesAreCutTo15Bytes() {
        var sys = new FakeSys(c -> 7);
        new Bpf(sys).mapCreate(new Bpf.MapCreate(1, 4, 4, 1, 0, 0, 0, "a_very_long_map_name", 0, 0, 0, 0));
        byte[] name = Arrays.copyOfRange(sys.calls.get(0).attr(), at("map_name"), at("map_name") + 16);
        assertEquals("a_very_long_map", new String(name, 0, 15, StandardCharsets.US_ASCII));
        assertEquals(0, name[15]);
    }

    @Test
    void elementCommands() {
        var sys = new FakeSys(c -> 0, new int[]{8, 4}, new int[]{16, 8});
        new Bpf(sys).update(5, new byte[]{1, 2, 3, 4}, new byte[]{9, 8, 7, 6, 5, 4, 3, 2}, 2);
        var c = sys.calls.get(0);
        assertEquals(BpfCommand.MAP_UPDATE_ELEM, c.cmd());
        assertEquals(8, at("key"));
        assertEquals(16, at("value"));
        assertEquals(at("value"), at("next_key"));
        assertEquals(5, c.u32(at("map_fd")));
        assertEquals(2, c.u64(at("flags")));
        assertArrayEquals(new byte[]{1, 2, 3, 4}, sys.pointees.get(0));
        assertArrayEquals(new byte[]{9, 8, 7, 6, 5, 4, 3, 2}, sys.pointees.get(1));
        assertTrue(c.size() >= at("flags") + 8);
    }

    @Test
    void progLoad() {
        var sys = new FakeSys(c -> 3, new int[]{at("insns"), 16}, new int[]{at("license"), 4}, new int[]{at("func_info"), 8},
                new int[]{at("line_info"), 16});
        byte[] insns = new byte[16];
        insns[0] = (byte) 0xb7;
        insns[8] = (byte) 0x95;
        byte[] fi = {1, 0, 0, 0, 2, 0, 0, 0};
        byte[] li = new byte[16];
        li[0] = 3;
        new Bpf(sys).progLoad(new Bpf.ProgLoad(6, insns, "GPL", 0x50a00, 16, "xdp_parser", 37, 8, fi, li, 55), new byte[100], 1);
        var c = sys.calls.get(0);
        assertEquals(6, c.u32(at("prog_type")));
        assertEquals(2, c.u32(at("insn_cnt")));
        assertArrayEquals(insns, sys.pointees.get(0));
        assertEquals("GPL\0", new String(sys.pointees.get(1), StandardCharsets.US_ASCII));
        assertEquals(1, c.u32(at("log_level")));
        assertEquals(100, c.u32(at("log_size")));
        assertTrue(c.u64(at("log_buf")) != 0);
        assertEquals(0x50a00, c.u32(at("kern_version")));
        assertEquals(16, c.u32(at("prog_flags")));
        assertEquals("xdp_parser", new String(c.attr(), at("prog_name"), 10, StandardCharsets.US_ASCII));
        assertEquals(37, c.u32(at("expected_attach_type")));
        assertEquals(8, c.u32(at("prog_btf_fd")));
        assertEquals(8, c.u32(at("func_info_rec_size")));
        assertArrayEquals(fi, sys.pointees.get(2));
        assertEquals(1, c.u32(at("func_info_cnt")));
        assertEquals(16, c.u32(at("line_info_rec_size")));
        assertArrayEquals(li, sys.pointees.get(3));
        assertEquals(1, c.u32(at("line_info_cnt")));
        assertEquals(55, c.u32(at("attach_btf_id")));
        assertTrue(c.size() >= at("attach_btf_id") + 4);
    }

    @Test
    void testRun() {
        var sys = new FakeSys(c -> 0, new int[]{at("test.data_in"), 3}, new int[]{at("test.ctx_in"), 2});
        new Bpf(sys).testRun(4, new byte[]{1, 2, 3}, new byte[10], new byte[]{7, 8}, new byte[6], 5, new int[1]);
        var c = sys.calls.get(0);
        assertEquals(4, c.u32(at("test.prog_fd")));
        assertEquals(3, c.u32(at("test.data_size_in")));
        assertEquals(10, c.u32(at("test.data_size_out")));
        assertArrayEquals(new byte[]{1, 2, 3}, sys.pointees.get(0));
        assertTrue(c.u64(at("test.data_out")) != 0);
        assertEquals(5, c.u32(at("test.repeat")));
        assertEquals(2, c.u32(at("test.ctx_size_in")));
        assertEquals(6, c.u32(at("test.ctx_size_out")));
        assertArrayEquals(new byte[]{7, 8}, sys.pointees.get(1));
        assertTrue(c.u64(at("test.ctx_out")) != 0);
        assertEquals(4, at("test.retval"));
        assertEquals(36, at("test.duration"));
    }

    @Test
    void btfLoadInfoAndPin() {
        var sys = new FakeSys(c -> 0, new int[]{0, 3});
        var bpf = new Bpf(sys);
        bpf.btfLoad(new byte[]{(byte) 0x9f, (byte) 0xeb, 1}, new byte[64]);
        var c = sys.calls.get(0);
        assertEquals(0, at("btf"));
        assertArrayEquals(new byte[]{(byte) 0x9f, (byte) 0xeb, 1}, sys.pointees.get(0));
        assertEquals(3, c.u32(at("btf_size")));
        assertEquals(64, c.u32(at("btf_log_size")));
        assertEquals(1, c.u32(at("btf_log_level")));
        assertTrue(c.u64(at("btf_log_buf")) != 0);

        bpf.id(12);
        c = sys.calls.get(1);
        assertEquals(12, c.u32(at("info.bpf_fd")));
        assertEquals(8, c.u32(at("info.info_len")));
        assertTrue(c.u64(at("info.info")) != 0);

        bpf.pin(13, "/sys/fs/bpf/x");
        c = sys.calls.get(2);
        assertEquals(0, at("pathname"));
        assertEquals(13, c.u32(at("bpf_fd")));
        assertEquals(12, at("file_flags"));
    }
}
