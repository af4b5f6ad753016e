package dev.bpf4j.emulator;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Opcodes;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** A hostile program gets only the VM's typed faults: no JVM exception, no hang, no escape. */
class VmProperties {

    @Provide
    Arbitrary<List<Instruction>> programs() {
        return RandomPrograms.instructions(1);
    }


    @Property(tries = 3000)
    void onlyTypedFaultsEscape(@ForAll("programs") List<Instruction> program) {
        // The run happens on the timeout's thread; jqwik's statistics must be fed on its own.
        List<String> outcomes = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            var seen = new ArrayList<String>();
            for (var order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
                var vm = new Vm(program, order, Helpers.CONFORMANCE, ConstantResolver.AS_WRITTEN, 2000);
                var memory = new Memory(order);
                var state = new VmState(memory);
                byte[] data = new byte[32];
                state.setRegister(1, memory.map("memory", data, true).base());
                state.setRegister(2, data.length);
                state.setPacket(memory.map("packet", new byte[14], false));
                try {
                    vm.run(state);
                    seen.add("exit");
                } catch (VmFault expected) {
                    seen.add(expected.kind().name());
                    if (expected.getMessage() == null || expected.getMessage().isEmpty())
                        throw new AssertionError("fault without a message", expected);
                }
            }
            return seen;
        });
        outcomes.forEach(o -> Statistics.label("outcome").collect(o));
    }
}
