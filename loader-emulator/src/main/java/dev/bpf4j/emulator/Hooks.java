package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The attach points of the emulated machine ({@link Hook}: a cgroup's socket option calls,
 * an interface's tc ingress and egress, its XDP receive path) and the programs linked to
 * each, in attach order. One registry per {@link EmulatorBackend}, shared by its kernels.
 *
 * <p>Attaching checks {@link Hook#accepts} ({@code -EINVAL} naming the program's type and
 * attach type and the hook); an XDP hook holds one link ({@code -EBUSY} for a second, as an
 * interface has one XDP program), the others any number. {@link #fire} runs every link of
 * a hook in attach order on the same input, each through {@link EmulatorProgram#testRun},
 * and returns their results.
 *
 * <p>Atomic replacement: a firing reads each link's program once and runs that one, so it
 * runs the old or the new program, never none and never both. Besides, replacing or
 * detaching waits for the firings still running the old program to finish (what the
 * kernel's RCU grace period gives the kernel): once {@link Link#update} or
 * {@link Link#close} returns, nothing runs the old program through that link any more, so
 * the old object may be closed without a firing faulting half-way.
 */
final class Hooks {
    private final Map<Hook, List<HookLink>> links = new ConcurrentHashMap<>();

    /** Links {@code program} to {@code hook}, after the links already there. */
    HookLink attach(EmulatorProgram program, Hook hook) {
        if (!hook.accepts(program.spec()))
            throw new BackendException(-BackendException.EINVAL, program + " (" + program.attachTypeName()
                    + ") cannot attach to hook " + hook + ", which takes " + hook.kind().programType().libbpfName()
                    + " programs" + hook.kind().attachType().map(a -> " with attach type " + a.libbpfName()).orElse(""));
        program.owner().checkOpen();
        HookLink link = new HookLink(this, hook, program);
        synchronized (this) {
            List<HookLink> on = links.computeIfAbsent(hook, h -> new CopyOnWriteArrayList<>());
            if (hook.kind() == Hook.Point.XDP && !on.isEmpty())
                throw new BackendException(-BackendException.EBUSY, "hook " + hook + " already runs " + on.get(0).program()
                        + "; an XDP hook takes one program (replace it with Link.update)");
            on.add(link);
        }
        link.registered();
        // The object may have closed between the check and the registration, missing this link.
        if (program.owner().isClosed()) {
            link.close();
            program.owner().checkOpen();
        }
        return link;
    }

    /** Takes {@code link} off its hook. */
    synchronized void remove(HookLink link) {
        List<HookLink> on = links.get(link.hook());
        if (on != null)
            on.remove(link);
    }

    /** The links of {@code hook}, in attach order. */
    List<Link> attached(Hook hook) {
        List<HookLink> on = links.get(hook);
        return on == null ? List.of() : List.copyOf(on);
    }

    /** Runs the programs linked to {@code hook} now, in attach order, each on {@code input}. */
    List<TestRunResult> fire(Hook hook, TestRun input) {
        List<HookLink> on = links.get(hook);
        if (on == null)
            return List.of();
        var results = new ArrayList<TestRunResult>(on.size());
        for (HookLink link : on) { // a snapshot: links attached meanwhile wait for the next firing
            TestRunResult r = link.fire(input);
            if (r != null)
                results.add(r);
        }
        return results;
    }
}
