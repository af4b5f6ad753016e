package dev.bpf4j.asm;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The abstract interpretation behind {@link MapAccess#of}: a forward dataflow analysis over
 * the flattened instruction array that tracks, per register and per 8-byte stack slot,
 * which map handles and map value pointers a value may be, and records every read and
 * write of a map it finds. It over-approximates: whenever it cannot tell which map an
 * operation touches, it counts every referenced map.
 *
 * <p>Programs with bpf-to-bpf calls or callbacks are analysed context-insensitively: one
 * stack shared by all frames, updated weakly (a store adds to what a slot may hold, never
 * replaces it), so that a callee's writes through a pointer into its caller's frame are
 * seen wherever the caller reads; the value a call returns is what any exit may return.
 * Without calls, stores of a whole register to a known, aligned slot replace its contents.
 */
final class MapAccessAnalysis {

    // Helper numbers from the kernel's uapi (enum bpf_func_id). loader-emulator's helper
    // tables number them the same, but loader-core cannot see that module.
    static final int MAP_LOOKUP_ELEM = 1, MAP_UPDATE_ELEM = 2, MAP_DELETE_ELEM = 3, TAIL_CALL = 12,
            PERF_EVENT_READ = 22, PERF_EVENT_OUTPUT = 25, GET_STACKID = 27, SKB_UNDER_CGROUP = 33,
            CURRENT_TASK_UNDER_CGROUP = 37, REDIRECT_MAP = 51, SK_REDIRECT_MAP = 52, SOCK_MAP_UPDATE = 53,
            PERF_EVENT_READ_VALUE = 55, MSG_REDIRECT_MAP = 60, SOCK_HASH_UPDATE = 70, MSG_REDIRECT_HASH = 71,
            SK_REDIRECT_HASH = 72, GET_LOCAL_STORAGE = 81, SK_SELECT_REUSEPORT = 82, MAP_PUSH_ELEM = 87,
            MAP_POP_ELEM = 88, MAP_PEEK_ELEM = 89, INODE_STORAGE_GET = 99, INODE_STORAGE_DELETE = 100,
            SK_STORAGE_GET = 107, SK_STORAGE_DELETE = 108, SKB_OUTPUT = 111, XDP_OUTPUT = 121,
            RINGBUF_OUTPUT = 130, RINGBUF_RESERVE = 131, RINGBUF_QUERY = 134, TASK_STORAGE_GET = 156,
            TASK_STORAGE_DELETE = 157, FOR_EACH_MAP_ELEM = 164, RINGBUF_RESERVE_DYNPTR = 198,
            MAP_LOOKUP_PERCPU_ELEM = 195, CGRP_STORAGE_GET = 210, CGRP_STORAGE_DELETE = 211;

    private enum Effect { READ, WRITE, READ_WRITE }

    /**
     * A helper that takes a map: in which argument, what it does to the map, whether it
     * returns a pointer into the map's values, and which other arguments it only reads
     * (the key and value buffers of update, say); it may write through every other pointer.
     */
    private record MapHelper(int mapArg, Effect effect, boolean returnsValue, Set<Integer> readOnlyArgs) {
    }

    private static final Map<Integer, MapHelper> MAP_HELPERS = mapHelpers();

    private static Map<Integer, MapHelper> mapHelpers() {
        Map<Integer, MapHelper> m = new HashMap<>();
        m.put(MAP_LOOKUP_ELEM, new MapHelper(1, Effect.READ, true, Set.of(2)));
        m.put(MAP_LOOKUP_PERCPU_ELEM, new MapHelper(1, Effect.READ, true, Set.of(2)));
        m.put(MAP_UPDATE_ELEM, new MapHelper(1, Effect.WRITE, false, Set.of(2, 3)));
        m.put(MAP_DELETE_ELEM, new MapHelper(1, Effect.WRITE, false, Set.of(2)));
        m.put(MAP_PUSH_ELEM, new MapHelper(1, Effect.WRITE, false, Set.of(2)));
        m.put(MAP_POP_ELEM, new MapHelper(1, Effect.READ_WRITE, false, Set.of()));
        m.put(MAP_PEEK_ELEM, new MapHelper(1, Effect.READ, false, Set.of()));
        // The callback may change every element through its value pointer.
        m.put(FOR_EACH_MAP_ELEM, new MapHelper(1, Effect.READ_WRITE, false, Set.of()));
        m.put(PERF_EVENT_READ, new MapHelper(1, Effect.READ, false, Set.of()));
        m.put(PERF_EVENT_READ_VALUE, new MapHelper(1, Effect.READ, false, Set.of()));
        m.put(PERF_EVENT_OUTPUT, new MapHelper(2, Effect.WRITE, false, Set.of(4)));
        m.put(SKB_OUTPUT, new MapHelper(2, Effect.WRITE, false, Set.of(4)));
        m.put(XDP_OUTPUT, new MapHelper(2, Effect.WRITE, false, Set.of(4)));
        m.put(GET_STACKID, new MapHelper(2, Effect.WRITE, false, Set.of()));
        m.put(SKB_UNDER_CGROUP, new MapHelper(2, Effect.READ, false, Set.of()));
        m.put(CURRENT_TASK_UNDER_CGROUP, new MapHelper(1, Effect.READ, false, Set.of()));
        m.put(REDIRECT_MAP, new MapHelper(1, Effect.READ, false, Set.of()));
        m.put(SK_REDIRECT_MAP, new MapHelper(2, Effect.READ, false, Set.of()));
        m.put(MSG_REDIRECT_MAP, new MapHelper(2, Effect.READ, false, Set.of()));
        m.put(SK_REDIRECT_HASH, new MapHelper(2, Effect.READ, false, Set.of(3)));
        m.put(MSG_REDIRECT_HASH, new MapHelper(2, Effect.READ, false, Set.of(3)));
        m.put(SK_SELECT_REUSEPORT, new MapHelper(2, Effect.READ, false, Set.of(3)));
        m.put(SOCK_MAP_UPDATE, new MapHelper(2, Effect.WRITE, false, Set.of(3)));
        m.put(SOCK_HASH_UPDATE, new MapHelper(2, Effect.WRITE, false, Set.of(3)));
        m.put(GET_LOCAL_STORAGE, new MapHelper(1, Effect.READ, true, Set.of()));
        m.put(RINGBUF_OUTPUT, new MapHelper(1, Effect.WRITE, false, Set.of(2)));
        m.put(RINGBUF_RESERVE, new MapHelper(1, Effect.WRITE, true, Set.of()));
        m.put(RINGBUF_RESERVE_DYNPTR, new MapHelper(1, Effect.WRITE, false, Set.of()));
        m.put(RINGBUF_QUERY, new MapHelper(1, Effect.READ, false, Set.of()));
        // Local storage: get may create the element (F_CREATE), delete removes it.
        for (int get : new int[]{SK_STORAGE_GET, INODE_STORAGE_GET, TASK_STORAGE_GET, CGRP_STORAGE_GET})
            m.put(get, new MapHelper(1, Effect.READ_WRITE, true, Set.of(3)));
        for (int del : new int[]{SK_STORAGE_DELETE, INODE_STORAGE_DELETE, TASK_STORAGE_DELETE, CGRP_STORAGE_DELETE})
            m.put(del, new MapHelper(1, Effect.WRITE, false, Set.of()));
        return Map.copyOf(m);
    }

    // Helpers that take no map but read through some pointer arguments (formats, data to
    // copy out, sources): a pointer into a map's value there reads it and does not write it.
    private static final Map<Integer, Set<Integer>> READ_ONLY_POINTERS = Map.ofEntries(
            Map.entry(4, Set.of(3)),            // probe_read(dst, size, src)
            Map.entry(6, Set.of(1, 3, 4, 5)),   // trace_printk(fmt, size, ...)
            Map.entry(9, Set.of(3)),            // skb_store_bytes(skb, off, from, len, flags)
            Map.entry(28, Set.of(1, 3)),        // csum_diff(from, from_size, to, to_size, seed)
            Map.entry(45, Set.of(3)),           // probe_read_str(dst, size, src)
            Map.entry(112, Set.of(3)),          // probe_read_user
            Map.entry(113, Set.of(3)),          // probe_read_kernel
            Map.entry(114, Set.of(3)),          // probe_read_user_str
            Map.entry(115, Set.of(3)),          // probe_read_kernel_str
            Map.entry(126, Set.of(2, 4)),       // seq_printf(m, fmt, fmt_size, data, len)
            Map.entry(127, Set.of(2)),          // seq_write(m, data, len)
            Map.entry(165, Set.of(3, 4)),       // snprintf(str, size, fmt, data, len)
            Map.entry(177, Set.of(1, 3)),       // trace_vprintk(fmt, size, data, len)
            Map.entry(190, Set.of(3)));         // xdp_store_bytes(xdp, off, buf, len)

    /** Stack offsets a pointer may have before we give up and say "somewhere in the stack". */
    private static final int MAX_OFFSETS = 8;

    /**
     * What a register or stack slot may hold: {@code top} (anything at all), or any of some
     * map handles, pointers into some maps' values, pointers into the stack at known byte
     * offsets from the frame pointer or at any offset. All empty: a scalar, or a pointer to
     * something that is not a map (context, packet).
     */
    record Val(boolean top, Set<String> handles, Set<String> values, Set<Integer> stack, boolean anyStack) {
        static final Val EMPTY = new Val(false, Set.of(), Set.of(), Set.of(), false);
        static final Val TOP = new Val(true, Set.of(), Set.of(), Set.of(), false);
        static final Val FRAME = new Val(false, Set.of(), Set.of(), Set.of(0), false);

        Val {
            if (top) {
                handles = Set.of();
                values = Set.of();
                stack = Set.of();
                anyStack = false;
            } else if (anyStack || stack.size() > MAX_OFFSETS) {
                anyStack = true;
                stack = Set.of();
            }
            handles = Set.copyOf(handles);
            values = Set.copyOf(values);
            stack = Set.copyOf(stack);
        }

        static Val handle(String map) {
            return new Val(false, Set.of(map), Set.of(), Set.of(), false);
        }

        static Val value(String map) {
            return new Val(false, Set.of(), Set.of(map), Set.of(), false);
        }

        Val join(Val o) {
            if (top || o.isEmpty())
                return this;
            if (o.top || isEmpty())
                return o;
            return new Val(false, union(handles, o.handles), union(values, o.values), union(stack, o.stack),
                    anyStack || o.anyStack);
        }

        boolean isEmpty() {
            return this.equals(EMPTY);
        }

        boolean pointsIntoStack() {
            return anyStack || !stack.isEmpty();
        }

        /** Only map handles: the maps a helper's map argument names for sure. */
        boolean isHandlesOnly() {
            return !top && !handles.isEmpty() && values.isEmpty() && !pointsIntoStack();
        }

        /** This pointer moved by {@code delta} bytes, or by an unknown amount when {@code delta} is null. */
        Val moved(Integer delta) {
            if (!pointsIntoStack())
                return this;
            if (delta == null || anyStack)
                return new Val(false, handles, values, Set.of(), true);
            Set<Integer> s = new TreeSet<>();
            for (int o : stack)
                s.add(o + delta);
            return new Val(false, handles, values, s, false);
        }

        private static <T> Set<T> union(Set<T> a, Set<T> b) {
            if (a.containsAll(b))
                return a;
            Set<T> u = new LinkedHashSet<>(a);
            u.addAll(b);
            return u;
        }
    }

    /** Stack slots (by 8-byte index from the frame pointer) and what any unknown store may have put anywhere. */
    static final class Stack {
        final TreeMap<Integer, Val> slots;
        Val anywhere;

        Stack(TreeMap<Integer, Val> slots, Val anywhere) {
            this.slots = slots;
            this.anywhere = anywhere;
        }

        Stack copy() {
            return new Stack(new TreeMap<>(slots), anywhere);
        }

        Val read(Val base, int off, int size) {
            Val v = anywhere;
            if (base.anyStack) {
                for (Val s : slots.values())
                    v = v.join(s);
                return v;
            }
            for (int o : base.stack)
                for (int i = Math.floorDiv(o + off, 8); i <= Math.floorDiv(o + off + size - 1, 8); i++)
                    v = v.join(slots.getOrDefault(i, Val.EMPTY));
            return v;
        }

        /** Whether {@code v} was added anywhere it was not yet. */
        boolean write(Val base, int off, int size, Val v, boolean strong) {
            if (base.anyStack) {
                Val was = anywhere;
                anywhere = anywhere.join(v);
                return !was.equals(anywhere);
            }
            if (strong && base.stack.size() == 1 && !base.top && base.handles.isEmpty() && base.values.isEmpty()
                    && size == 8 && Math.floorMod(base.stack.iterator().next() + off, 8) == 0) {
                int i = Math.floorDiv(base.stack.iterator().next() + off, 8);
                return !Objects.equals(slots.put(i, v), v);
            }
            boolean changed = false;
            for (int o : base.stack)
                for (int i = Math.floorDiv(o + off, 8); i <= Math.floorDiv(o + off + size - 1, 8); i++) {
                    Val was = slots.getOrDefault(i, Val.EMPTY);
                    Val now = was.join(v);
                    if (!now.equals(was)) {
                        slots.put(i, now);
                        changed = true;
                    }
                }
            return changed;
        }

        Stack join(Stack o) {
            Stack j = copy();
            for (Map.Entry<Integer, Val> e : o.slots.entrySet())
                j.slots.merge(e.getKey(), e.getValue(), Val::join);
            j.anywhere = j.anywhere.join(o.anywhere);
            return j;
        }

        @Override
        public boolean equals(Object x) {
            return x instanceof Stack s && s.slots.equals(slots) && s.anywhere.equals(anywhere);
        }

        @Override
        public int hashCode() {
            return slots.hashCode() * 31 + anywhere.hashCode();
        }
    }

    /** The registers r0-r10 and (without calls) the stack at one instruction. */
    record State(List<Val> regs, Stack stack) {
        State join(State o) {
            Val[] r = new Val[11];
            for (int i = 0; i < 11; i++)
                r[i] = regs.get(i).join(o.regs.get(i));
            return new State(List.of(r), stack.join(o.stack));
        }
    }

    /** Malformed control flow: the analysis cannot follow it and answers conservatively. */
    private static final class Unfollowable extends RuntimeException {
        Unfollowable() {
            super(null, null, false, false);
        }
    }

    private final List<Instruction> insns;
    private final int[] slotOf;
    private final Map<Integer, Integer> indexOfSlot = new HashMap<>();
    private final Set<String> referenced = new LinkedHashSet<>();
    private final boolean shared;
    private final Set<String> reads = new TreeSet<>();
    private final Set<String> writes = new TreeSet<>();
    private final State[] in;
    private final Set<Integer> callbackEntries = new TreeSet<>();
    private Stack sharedStack = new Stack(new TreeMap<>(), Val.EMPTY);
    private Val exitValue = Val.EMPTY;
    private Val callbackArgs = Val.EMPTY;
    private boolean globalsChanged;

    private MapAccessAnalysis(List<Instruction> insns) {
        this.insns = insns;
        this.slotOf = new int[insns.size()];
        this.in = new State[insns.size()];
        boolean calls = false;
        int slot = 0;
        for (int i = 0; i < insns.size(); i++) {
            Instruction insn = insns.get(i);
            slotOf[i] = slot;
            indexOfSlot.put(slot, i);
            slot += insn.width();
            if (insn.reference() instanceof Reference.Map m)
                referenced.add(m.name());
            else if (insn.reference() instanceof Reference.MapValue v)
                referenced.add(v.map());
            if (insn.isLocalCall() || insn.reference() instanceof Reference.Function
                    || insn.isLoadImm64() && insn.src() == Opcodes.PSEUDO_FUNC)
                calls = true;
        }
        this.shared = calls;
    }

    static MapAccess analyse(List<Instruction> insns) {
        MapAccessAnalysis a = new MapAccessAnalysis(insns);
        try {
            a.run();
        } catch (Unfollowable e) {
            return new MapAccess(a.referenced, a.referenced);
        }
        return new MapAccess(a.reads, a.writes);
    }

    private void run() {
        if (insns.isEmpty())
            return;
        Val[] r = new Val[11];
        Arrays.fill(r, Val.EMPTY);
        r[10] = Val.FRAME;
        State entry = new State(List.of(r), new Stack(new TreeMap<>(), Val.EMPTY));
        Deque<Integer> work = new ArrayDeque<>();
        flow(0, entry, work);
        do {
            globalsChanged = false;
            while (!work.isEmpty()) {
                int i = work.pop();
                step(i, in[i], work);
            }
            for (int cb : callbackEntries)
                flow(cb, callbackEntry(), work);
            // A shared value grew (the stack of all frames, what exits return, what callbacks
            // receive): every instruction that may have read it runs again.
            if (globalsChanged)
                for (int i = 0; i < in.length; i++)
                    if (in[i] != null)
                        work.add(i);
        } while (!work.isEmpty());
    }

    private State callbackEntry() {
        Val[] r = new Val[11];
        Arrays.fill(r, Val.EMPTY);
        for (int k = 1; k <= 5; k++)
            r[k] = callbackArgs;
        r[10] = Val.FRAME;
        return new State(List.of(r), new Stack(new TreeMap<>(), Val.EMPTY));
    }

    private void flow(int target, State s, Deque<Integer> work) {
        if (target < 0 || target >= insns.size())
            throw new Unfollowable();
        State was = in[target];
        State now = was == null ? s : was.join(s);
        if (!now.equals(was)) {
            in[target] = now;
            work.add(target);
        }
    }

    // Jumps, calls and callback addresses all count from the slot after the instruction's first.
    private int targetOf(int i, int slotDelta) {
        Integer t = indexOfSlot.get(slotOf[i] + 1 + slotDelta);
        if (t == null)
            throw new Unfollowable();
        return t;
    }

    private void step(int i, State s, Deque<Integer> work) {
        Instruction insn = insns.get(i);
        Val[] r = s.regs().toArray(new Val[0]);
        Stack stack = s.stack().copy();
        int op = insn.opcode();
        int cls = Opcodes.instructionClass(op);
        switch (cls) {
            case Opcodes.ALU, Opcodes.ALU64 -> alu(insn, r);
            case Opcodes.LD -> {
                if (insn.isLoadImm64())
                    r[insn.dst()] = loadImm64(i, insn);
                else {
                    // Legacy packet loads: r0 gets packet bytes; r1-r5 are clobbered.
                    r[0] = Val.EMPTY;
                    for (int k = 1; k <= 5; k++)
                        r[k] = Val.EMPTY;
                }
            }
            case Opcodes.LDX -> r[insn.dst()] = load(r[insn.src()], insn.offset(), Opcodes.sizeInBytes(op), stack);
            case Opcodes.ST -> store(r[insn.dst()], insn.offset(), Opcodes.sizeInBytes(op), Val.EMPTY, stack);
            case Opcodes.STX -> {
                if (Opcodes.mode(op) == Opcodes.ATOMIC)
                    atomic(insn, r, stack);
                else
                    store(r[insn.dst()], insn.offset(), Opcodes.sizeInBytes(op), r[insn.src()], stack);
            }
            default -> {
                jump(i, insn, r, stack, work);
                return;
            }
        }
        if (i + 1 >= insns.size())
            throw new Unfollowable();
        flow(i + 1, new State(List.of(r), stack), work);
    }

    private void alu(Instruction insn, Val[] r) {
        int op = Opcodes.operation(insn.opcode());
        // END's source bit picks the byte order, not a register.
        boolean x = Opcodes.source(insn.opcode()) == Opcodes.X && op != Opcodes.END && op != Opcodes.NEG;
        boolean wide = Opcodes.instructionClass(insn.opcode()) == Opcodes.ALU64;
        Val dst = r[insn.dst()];
        Val src = x ? r[insn.src()] : Val.EMPTY;
        r[insn.dst()] = switch (op) {
            // mov: a copy keeps what it copies (a sign-extending movsx makes a scalar of a
            // scalar; of a pointer it would be refused, and keeping the tags stays sound).
            case Opcodes.MOV -> src;
            case Opcodes.ADD, Opcodes.SUB -> {
                if (!x && wide)
                    yield dst.moved(op == Opcodes.ADD ? insn.imm() : -insn.imm());
                yield dst.moved(null).join(src.moved(null));
            }
            // Every other operation makes a scalar of scalars; pointers the verifier would
            // refuse to mix keep their tags, at an unknown offset.
            default -> dst.moved(null).join(src.moved(null));
        };
    }

    private Val loadImm64(int i, Instruction insn) {
        Reference ref = insn.reference();
        if (ref instanceof Reference.Map m)
            return Val.handle(m.name());
        if (ref instanceof Reference.MapValue v)
            return Val.value(v.map());
        if (ref instanceof Reference.Function || ref == null && insn.src() == Opcodes.PSEUDO_FUNC) {
            // A callback's address: the helper it is handed to will run it.
            callbackEntries.add(targetOf(i, insn.imm()));
            return Val.EMPTY;
        }
        if (ref == null && (insn.src() == Opcodes.PSEUDO_MAP_FD || insn.src() == Opcodes.PSEUDO_MAP_IDX
                || insn.src() == Opcodes.PSEUDO_MAP_VALUE || insn.src() == Opcodes.PSEUDO_MAP_IDX_VALUE))
            return Val.TOP;     // bound to a descriptor already: which map is unknown
        return Val.EMPTY;       // a constant, or a kernel symbol's address
    }

    private Val load(Val base, int off, int size, Stack stack) {
        if (base.top()) {
            reads.addAll(referenced);
            return Val.TOP;
        }
        reads.addAll(base.values());
        // Reading through a map handle reads the map's own fields (max_entries...).
        reads.addAll(base.handles());
        if (!base.pointsIntoStack())
            return Val.EMPTY;
        return (shared ? sharedStack : stack).read(base, off, size);
    }

    private void store(Val base, int off, int size, Val v, Stack stack) {
        if (base.top()) {
            writes.addAll(referenced);
            noteShared(sharedOr(stack).write(new Val(false, Set.of(), Set.of(), Set.of(), true), 0, size, v, false));
            return;
        }
        writes.addAll(base.values());
        writes.addAll(base.handles());
        if (base.pointsIntoStack())
            noteShared(sharedOr(stack).write(base, off, size, v, !shared));
    }

    private Stack sharedOr(Stack stack) {
        return shared ? sharedStack : stack;
    }

    private void noteShared(boolean changed) {
        if (shared && changed)
            globalsChanged = true;
    }

    private void atomic(Instruction insn, Val[] r, Stack stack) {
        int size = Opcodes.sizeInBytes(insn.opcode());
        int kind = insn.imm();
        if (kind == Opcodes.LOAD_ACQ) {
            r[insn.dst()] = load(r[insn.src()], insn.offset(), size, stack);
            return;
        }
        if (kind == Opcodes.STORE_REL) {
            store(r[insn.dst()], insn.offset(), size, r[insn.src()], stack);
            return;
        }
        Val base = r[insn.dst()];
        // A read-modify-write: it reads the old value only when it hands it back (fetch).
        boolean fetch = (kind & Opcodes.FETCH) != 0;
        Val old = fetch ? load(base, insn.offset(), size, stack) : Val.EMPTY;
        Val stored = r[insn.src()];
        if (!base.top() && base.pointsIntoStack()) {
            // The slot keeps what it held and may also hold the operand; never a strong update.
            noteShared(sharedOr(stack).write(base, insn.offset(), size, stored, false));
            writes.addAll(base.values());
            writes.addAll(base.handles());
        } else {
            store(base, insn.offset(), size, stored, stack);
        }
        if (kind == Opcodes.CMPXCHG)
            r[0] = old;
        else if (fetch)
            r[insn.src()] = old;
    }

    private void jump(int i, Instruction insn, Val[] r, Stack stack, Deque<Integer> work) {
        if (insn.isExit()) {
            if (shared) {
                Val was = exitValue;
                exitValue = exitValue.join(r[0]);
                if (!was.equals(exitValue))
                    globalsChanged = true;
            }
            return;
        }
        if (insn.isLocalCall()) {
            flow(targetOf(i, insn.imm()), new State(List.of(r), stack), work);
            Val[] after = r.clone();
            after[0] = exitValue;
            for (int k = 1; k <= 5; k++)
                after[k] = Val.EMPTY;
            next(i, after, stack, work);
            return;
        }
        if (insn.isCall() || insn.isCallx()) {
            call(insn, r);
            next(i, r, stack, work);
            return;
        }
        if (!insn.isJump())
            throw new Unfollowable();
        flow(targetOf(i, insn.jumpOffset()), new State(List.of(r), stack), work);
        if (insn.isConditionalJump())
            next(i, r, stack, work);
    }

    private void next(int i, Val[] r, Stack stack, Deque<Integer> work) {
        if (i + 1 >= insns.size())
            throw new Unfollowable();
        flow(i + 1, new State(List.of(r), stack), work);
    }

    private void call(Instruction insn, Val[] r) {
        Val result = Val.EMPTY;
        if (insn.isCallx() || insn.isKfuncCall() || insn.isHelperCall() && insn.imm() == TAIL_CALL) {
            // Unknown callee (callx, kfunc) or another program altogether (tail call): it
            // may do anything to any map the program could hand it.
            if (insn.isHelperCall() || insn.isCallx()) {
                reads.addAll(referenced);
                writes.addAll(referenced);
            } else {
                for (int k = 1; k <= 5; k++)
                    touchArgument(r[k], false);
            }
            result = insn.isHelperCall() ? Val.EMPTY : Val.TOP;
        } else if (insn.isHelperCall()) {
            MapHelper h = MAP_HELPERS.get(insn.imm());
            if (h != null) {
                Val map = r[h.mapArg()];
                Set<String> maps = map.isHandlesOnly() ? map.handles() : referenced;
                if (h.effect() != Effect.WRITE)
                    reads.addAll(maps);
                if (h.effect() != Effect.READ)
                    writes.addAll(maps);
                if (h.returnsValue()) {
                    result = Val.TOP;
                    if (map.isHandlesOnly()) {
                        result = Val.EMPTY;
                        for (String m : map.handles())
                            result = result.join(Val.value(m));
                    }
                }
            }
            for (int k = 1; k <= 5; k++)
                if (h == null || k != h.mapArg())
                    touchArgument(r[k], h != null ? h.readOnlyArgs().contains(k)
                            : READ_ONLY_POINTERS.getOrDefault(insn.imm(), Set.of()).contains(k));
            // Helpers known to run no callback do not feed callbacks; any other one might.
            if (insn.imm() == FOR_EACH_MAP_ELEM || h == null && !READ_ONLY_POINTERS.containsKey(insn.imm()))
                noteCallbackArgs(r);
        } else {
            throw new Unfollowable();
        }
        r[0] = result;
        for (int k = 1; k <= 5; k++)
            r[k] = Val.EMPTY;
    }

    // A pointer handed to a helper: the helper reads what it points at, and writes it too
    // unless it is one of the buffers the helper is known only to read (a key, a value to store).
    private void touchArgument(Val v, boolean readOnly) {
        if (v.top()) {
            reads.addAll(referenced);
            writes.addAll(referenced);
            return;
        }
        reads.addAll(v.values());
        reads.addAll(v.handles());
        if (!readOnly)
            writes.addAll(v.values());
        writes.addAll(v.handles());
    }

    // Callbacks (bpf_for_each_map_elem, bpf_loop, timers) get what the helper that calls them
    // got, and pointers into the values of the maps it got.
    private void noteCallbackArgs(Val[] r) {
        if (!shared)
            return;
        Val was = callbackArgs;
        Val v = callbackArgs;
        for (int k = 1; k <= 5; k++) {
            v = v.join(r[k]);
            for (String m : r[k].handles())
                v = v.join(Val.value(m));
        }
        callbackArgs = v;
        if (!was.equals(callbackArgs))
            globalsChanged = true;
    }
}
