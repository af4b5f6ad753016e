package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.loader.LoadPlan;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * An object loaded into the kernel: its maps and programs, each one file descriptor, plus the
 * object's BTF. {@link #close()} closes every descriptor exactly once; the kernel frees a map
 * or program when its last reference goes (a pin, an attachment or another program's use can
 * keep it).
 *
 * <pre>{@code
 * try (LoadedObject obj = Bpf4j.open(Path.of("xdp_parser.o")).load(new LinuxBackend())) {
 *     obj.program("xdp_parser").testRun(TestRun.ofData(frame));
 * }   // every fd closed
 * }</pre>
 */
public final class LinuxObject implements LoadedObject {
    private final Bpf bpf;
    private final LoadPlan plan;
    private final List<LinuxMap> maps = new ArrayList<>();
    private final List<LinuxProgram> programs = new ArrayList<>();
    /** Descriptors owned besides those of maps and programs (the BTF object). */
    private final List<Integer> others = new ArrayList<>();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;
    private String btfProblem = "";

    LinuxObject(Bpf bpf, LoadPlan plan) {
        this.bpf = bpf;
        this.plan = plan;
    }

    Bpf bpf() {
        return bpf;
    }

    /** The plan the object was loaded from. */
    public LoadPlan plan() {
        return plan;
    }

    void add(LinuxMap m) {
        maps.add(m);
    }

    void add(LinuxProgram p) {
        programs.add(p);
    }

    void own(int fd) {
        others.add(fd);
    }

    void btfProblem(String why) {
        btfProblem = why;
    }

    /**
     * Why the object's BTF was not loaded, when the kernel refused it and the maps and programs
     * were loaded without it (as libbpf goes on without BTF); empty when it was loaded or the
     * object has none.
     */
    public String btfProblem() {
        return btfProblem;
    }

    /** Runs {@code op} while the object is open ({@code -EBADF} after {@link #close()}), holding off close. */
    <T> T withOpen(Object handle, Supplier<T> op) {
        lock.readLock().lock();
        try {
            if (closed)
                throw new BackendException(-BackendException.EBADF, handle + ": its object was closed");
            return op.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The kernel's id of one of this object's maps or programs ({@code fd}), as bpftool lists it. */
    int kernelId(Object handle, int fd) {
        return withOpen(handle, () -> {
            long id = bpf().id(fd);
            if (id < 0)
                throw Bpf.failure(BpfCommand.OBJ_GET_INFO_BY_FD, handle.toString(), id);
            return (int) id;
        });
    }

    @Override
    public Optional<MapHandle> findMap(String name) {
        return maps.stream().filter(m -> m.name().equals(name)).<MapHandle>map(m -> m).findFirst();
    }

    @Override
    public Optional<ProgramHandle> findProgram(String name) {
        return programs.stream().filter(p -> p.name().equals(name)).<ProgramHandle>map(p -> p).findFirst();
    }

    @Override
    public List<MapHandle> maps() {
        return List.copyOf(maps);
    }

    @Override
    public List<ProgramHandle> programs() {
        return List.copyOf(programs);
    }

    @Override
    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Closes the programs, then the maps, then the BTF object; idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed)
                return;
            closed = true;
            for (LinuxProgram p : programs)
                bpf.close(p.rawFd());
            for (LinuxMap m : maps)
                bpf.close(m.rawFd());
            for (int fd : others)
                bpf.close(fd);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "object '" + plan.spec().name() + "' in the kernel";
    }
}
