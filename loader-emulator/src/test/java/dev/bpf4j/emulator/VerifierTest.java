package dev.bpf4j.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.loader.ProgramType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** One hand-built program per rule of the verifier, and what its log says. */
class VerifierTest {
    private static Instruction i(int code, int dst, int src, int off, int imm) {
        return Instruction.of(code, dst, src, off, imm);
    }

    private static final Instruction EXIT = i(0x95, 0, 0, 0, 0);
    private static final Instruction R0_0 = i(0xb7, 0, 0, 0, 0);

    private static VerifierResult verify(ProgramType type, Instruction... insns) {
        return Verifier.verify(List.of(insns), type);
    }

    private static void rejected(String error, Instruction... insns) {
        rejected(ProgramType.XDP, error, insns);
    }

    private static void rejected(ProgramType type, String error, Instruction... insns) {
        VerifierResult r = verify(type, insns);
        assertFalse(r.ok(), r.log());
        assertEquals(error, r.error(), r.log());
        assertTrue(r.log().endsWith(error + "\n"), r.log());
    }

    private static void accepted(ProgramType type, Instruction... insns) {
        VerifierResult r = verify(type, insns);
        assertTrue(r.ok(), r.log());
        assertEquals(-1, r.insn());
    }

    @Test
    void theSmallestProgramIsAccepted() {
        VerifierResult r = verify(ProgramType.XDP, R0_0, EXIT);
        assertTrue(r.ok(), r.log());
        assertEquals("0: (b7) r0 = 0\n1: (95) exit\nverification ok: 2 insns\n", r.log());
        assertEquals(2, r.slots());
    }

    @Test
    void uninitialisedReadsAreRejectedWithTheInstructionsWalked() {
        VerifierResult r = verify(ProgramType.XDP, i(0xbf, 0, 2, 0, 0), EXIT);
        assertEquals("0: (bf) r0 = r2\ninsn 0: R2 !read_ok\n", r.log());
        assertEquals(0, r.insn());
        assertEquals("R2 !read_ok", r.message());
        rejected("insn 0: R0 !read_ok", EXIT);
    }

    @Test
    void aRegisterSetOnOnlyOnePathIsNotInitialised() {
        rejected("insn 2: R2 !read_ok",
                i(0x15, 1, 0, 1, 0),     // if r1 == 0 goto +1
                i(0xb7, 2, 0, 0, 1),     // r2 = 1
                i(0xbf, 0, 2, 0, 0),     // r0 = r2
                EXIT);
        accepted(ProgramType.XDP,
                i(0xb7, 2, 0, 0, 2),     // r2 = 2
                i(0x15, 1, 0, 1, 0),
                i(0xb7, 2, 0, 0, 1),
                i(0xbf, 0, 2, 0, 0),
                EXIT);
    }

    @Test
    void callsClobberR1ToR5AndSetR0() {
        rejected("insn 1: R1 !read_ok", i(0x85, 0, 0, 0, 5), i(0xbf, 0, 1, 0, 0), EXIT);
        accepted(ProgramType.XDP, i(0xbf, 6, 1, 0, 0), i(0x85, 0, 0, 0, 5), i(0xbf, 0, 6, 0, 0), EXIT);
        accepted(ProgramType.XDP, i(0x85, 0, 0, 0, 5), EXIT);
        // a local call: the callee starts with r1-r5 set; the caller loses r1-r5 and gets r0
        accepted(ProgramType.XDP, i(0x85, 0, 1, 0, 1), EXIT, i(0xbf, 0, 5, 0, 0), EXIT);
        rejected("insn 1: R2 !read_ok", i(0x85, 0, 1, 0, 2), i(0xbf, 0, 2, 0, 0), EXIT, i(0xbf, 0, 5, 0, 0), EXIT);
    }

    @Test
    void jumpsOutOfTheProgramOrIntoAnLdImm64() {
        rejected("insn 0: jump out of range from insn 0 to 41", i(0x05, 0, 0, 40, 0), EXIT);
        rejected("insn 1: jump out of range from insn 1 to -1", R0_0, i(0x15, 1, 0, -3, 0), EXIT);
        rejected("insn 0: jump into the middle of ldimm64 insn 1", i(0x05, 0, 0, 1, 0), Instruction.loadImm64(0, 7), EXIT);
        rejected("insn 0: call to invalid destination: insn 10 is outside the program (0-2)", i(0x85, 0, 1, 0, 9), R0_0, EXIT);
        // a jump may not leave its subprogram
        rejected("insn 2: jump out of range from insn 2 to 5",
                i(0x85, 0, 1, 0, 2), R0_0, i(0x05, 0, 0, 2, 0), R0_0, EXIT, EXIT);
    }

    @Test
    void theLastInstructionMustBeExitOrGoto() {
        rejected("insn 0: last insn is not an exit or jmp", R0_0);
        rejected("insn 2: last insn is not an exit or jmp", R0_0, Instruction.loadImm64(1, 1));
        // every subprogram's
        rejected("insn 3: last insn is not an exit or jmp", i(0x85, 0, 1, 0, 1), EXIT, R0_0, R0_0);
    }

    @Test
    void unreachableInstructions() {
        rejected("insn 2: unreachable insn 2", R0_0, EXIT, i(0xb7, 0, 0, 0, 1), EXIT);
        rejected("insn 1: unreachable insn 1", i(0x05, 0, 0, 1, 0), R0_0, R0_0, EXIT);
    }

    @Test
    void loopsAreAllowedTheBudgetEndsThem() {
        accepted(ProgramType.XDP, R0_0, i(0x07, 0, 0, 0, 1), i(0xa5, 0, 0, -2, 10), EXIT);
        accepted(ProgramType.XDP, R0_0, i(0x05, 0, 0, -1, 0));   // goto self: not rejected
    }

    @Test
    void theFramePointerIsReadOnly() {
        rejected("insn 0: frame pointer is read only", i(0xb7, 10, 0, 0, 0), R0_0, EXIT);
        rejected("insn 0: frame pointer is read only", i(0x07, 10, 0, 0, -8), R0_0, EXIT);
        rejected("insn 0: frame pointer is read only", i(0x79, 10, 1, 0, 0), R0_0, EXIT);
    }

    @Test
    void invalidEncodings() {
        rejected("insn 1: invalid opcode 0xff", R0_0, i(0xff, 0, 0, 0, 0), EXIT);
        rejected("insn 0: R11 is invalid", i(0xb7, 11, 0, 0, 0), R0_0, EXIT);
        rejected("insn 0: R12 is invalid", i(0xbf, 0, 12, 0, 0), EXIT);
        rejected("insn 0: invalid opcode 0xd4 with width 7 (byte swaps take 16, 32 or 64)", i(0xd4, 0, 0, 0, 7), EXIT);
        rejected("insn 0: kfunc calls are not supported by the emulator", i(0x85, 0, 2, 0, 1), R0_0, EXIT);
    }

    @Test
    void divisionByZero() {
        rejected("insn 1: div by zero", R0_0, i(0x37, 0, 0, 0, 0), EXIT);
        rejected("insn 1: div by zero", R0_0, i(0x94, 0, 0, 0, 0), EXIT);   // w0 %= 0
        rejected("insn 2: div by zero", R0_0, i(0xb7, 2, 0, 0, 0), i(0x3f, 0, 2, 0, 0), EXIT);
        accepted(ProgramType.XDP, R0_0, i(0x37, 0, 0, 0, 3), i(0x3f, 0, 1, 0, 0), EXIT);   // r1 unknown: checked at run time
    }

    @Test
    void stackAccessesStayInTheFrameAndAligned() {
        rejected("insn 0: invalid stack off=-520 size=8", i(0x7a, 10, 0, -520, 0), R0_0, EXIT);
        rejected("insn 0: invalid stack off=0 size=4", i(0x61, 0, 10, 0, 0), EXIT);
        rejected("insn 0: invalid stack off=-2 size=4", i(0x62, 10, 0, -2, 0), R0_0, EXIT);
        rejected("insn 0: misaligned stack access off -12 size 8", i(0x7a, 10, 0, -12, 0), R0_0, EXIT);
        // through a copy of r10 plus a constant
        rejected("insn 2: invalid stack off=-516 size=8",
                i(0xbf, 2, 10, 0, 0), i(0x07, 2, 0, 0, -516), i(0x7b, 2, 1, 0, 0), R0_0, EXIT);
        accepted(ProgramType.XDP, i(0x7a, 10, 0, -512, 0), i(0x62, 10, 0, -4, 1), i(0x79, 0, 10, -8, 0), EXIT);
    }

    @Test
    void helpersMustBeKnownAndAllowedForTheProgramType() {
        rejected("insn 0: invalid func unknown#999", i(0x85, 0, 0, 0, 999), EXIT);
        rejected("insn 0: invalid func unknown#0", i(0x85, 0, 0, 0, 0), EXIT);
        rejected(ProgramType.KPROBE, "insn 0: unknown func bpf_xdp_adjust_head#44", i(0x85, 0, 0, 0, 44), EXIT);
        accepted(ProgramType.XDP, i(0x85, 0, 0, 0, 44), EXIT);
        rejected(ProgramType.XDP, "insn 0: unknown func bpf_skb_load_bytes#26", i(0x85, 0, 0, 0, 26), EXIT);
        accepted(ProgramType.SCHED_CLS, i(0x85, 0, 0, 0, 26), EXIT);
        rejected(ProgramType.XDP, "insn 0: unknown func bpf_probe_read#4", i(0x85, 0, 0, 0, 4), EXIT);
        accepted(ProgramType.KPROBE, i(0x85, 0, 0, 0, 4), EXIT);
        accepted(ProgramType.SOCKET_FILTER, i(0x85, 0, 0, 0, 1), EXIT);   // map_lookup_elem: everyone
        assertEquals("map_lookup_elem", Verifier.helperName(1));
        assertEquals(null, Verifier.helperName(0));
    }

    @Test
    void loadPathsGetATypedException() {
        VerifierException e = assertThrows(VerifierException.class,
                () -> Verifier.require(List.of(i(0xbf, 0, 3, 0, 0), EXIT), ProgramType.XDP));
        assertEquals("insn 0: R3 !read_ok", e.getMessage());
        assertEquals(0, e.insn());
        assertTrue(e.log().startsWith("0: (bf) r0 = r3\n"), e.log());
        assertTrue(Verifier.require(List.of(R0_0, EXIT), ProgramType.XDP).ok());
    }

    /** The embedded helper table is the kernel uapi's __BPF_FUNC_MAPPER, id for id. */
    @Test
    void theHelperTableMatchesTheUapiHeader() throws Exception {
        Path header = Path.of("/usr/include/linux/bpf.h");
        assumeTrue(Files.isReadable(header), "no " + header + " (linux-libc-dev)");
        String text = Files.readString(header);
        int start = text.indexOf("#define __BPF_FUNC_MAPPER");
        assumeTrue(start >= 0, "no __BPF_FUNC_MAPPER in " + header);
        int end = text.indexOf("/* */", start);
        Matcher m = Pattern.compile("FN\\((\\w+)(?:,\\s*(\\d+))?").matcher(text.substring(start, end));
        List<String> names = new ArrayList<>();
        while (m.find()) {
            if (m.group(2) != null)
                assertEquals(names.size(), Integer.parseInt(m.group(2)), m.group());
            names.add(m.group(1));
        }
        assertTrue(names.size() > 200, "only " + names.size() + " helpers parsed");
        // a newer (or older) header may know more (or fewer) helpers; the common ids must agree
        for (int id = 1; id < Math.min(names.size(), Verifier.helperCount()); id++)
            assertEquals(names.get(id), Verifier.helperName(id), "helper " + id);
        assertEquals(null, Verifier.helperName(Verifier.helperCount()));
    }
}
