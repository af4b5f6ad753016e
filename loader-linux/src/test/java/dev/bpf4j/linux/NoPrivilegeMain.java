package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.ProgramType;

import java.util.List;

/** Run by {@link WithoutPrivilegeTest} in a process without CAP_BPF: prints what the backend says. */
public final class NoPrivilegeMain {
    private NoPrivilegeMain() {
    }

    public static void main(String[] args) {
        var linux = new LinuxBackend();
        System.out.println("unavailable: " + linux.unavailable().orElse("(available)"));
        try {
            linux.load(HandBuilt.plan("ret_0", ProgramType.SOCKET_FILTER, List.of(HandBuilt.mov(0, 0), HandBuilt.exit()))).close();
            System.out.println("loaded");
        } catch (BackendException e) {
            System.out.println("load: " + e.getClass().getSimpleName() + " errno " + e.errno() + ": " + e.getMessage());
        }
    }
}
