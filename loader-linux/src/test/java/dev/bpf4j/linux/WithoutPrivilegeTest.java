package dev.bpf4j.linux;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real kernel's answer to a process without the privilege bpf(2) needs: a JVM started with
 * CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON and CAP_NET_ADMIN dropped from its bounding set (setpriv)
 * gets one clear message, no stack trace.
 */
class WithoutPrivilegeTest {
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    @Test
    void oneClearErrorWithoutCapBpf() throws Exception {
        KernelObjects.backend();   // skips where bpf(2) is unusable even with privilege
        assumeTrue(Files.isExecutable(SETPRIV), "setpriv (util-linux) is not installed: cannot drop capabilities");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.real.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(List.of(SETPRIV.toString(), "--bounding-set", "-bpf,-sys_admin,-perfmon,-net_admin",
                java, "-cp", cp, NoPrivilegeMain.class.getName())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM hung");
        assumeTrue(!out.contains("setpriv:"), "setpriv cannot drop capabilities here: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("unavailable: the linux backend cannot use bpf(2): bpf(2) needs root, or CAP_BPF"), out);
        assertTrue(out.contains("load: BackendException errno -1: the linux backend cannot use bpf(2)"), out);
        assertFalse(out.contains("\tat "), "no stack trace:\n" + out);
    }
}
