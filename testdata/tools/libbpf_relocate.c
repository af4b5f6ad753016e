// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libbpf_relocate - print the instructions libbpf hands the kernel for every
 * program of a BPF ELF object, after it relocated them (subprograms appended,
 * calls, map references, global data and .kconfig externs resolved).
 * bpf4j's LibbpfEqualityTest compares its linker with this, slot by slot.
 *
 * Build:  gcc -O2 -Wall -o libbpf_relocate libbpf_relocate.c -lbpf   (libbpf 1.x)
 * Usage:  libbpf_relocate [--each] [--debug] [--btf PATH] OBJECT.o   (root: it loads)
 *
 * --btf PATH: the BTF CO-RE relocations are resolved against (libbpf's
 * bpf_object_open_opts.btf_custom_path: raw BTF, or an ELF whose .BTF holds
 * the types); without it libbpf uses the running kernel's
 * /sys/kernel/btf/vmlinux.
 *
 * Output, tab-separated, programs in libbpf's order:
 *   load <rc>                       what bpf_object__load returned (0 or -errno)
 *   prog <name> <status>            one per autoloaded program, followed by
 *   insn <code> <dst> <src> <off> <imm> <map>     one line per 8-byte slot
 *   btfext <nfunc> <nline>          the program reached BPF_PROG_LOAD with
 *                                   nfunc func_info and nline line_info records:
 *   func <insn> <type_id> <name>    the func_info libbpf passed to BPF_PROG_LOAD
 *   line <insn> <file> <line> <line_num> <col>    its line_info, in order
 *   map  <name> <hex>               each internal map (.data*, .rodata*,
 *                                   .bss*, .kconfig): bpf_map__initial_value
 * Numbers are decimal; <imm> is signed. In the first slot of an ld_imm64 with
 * src_reg 1 (BPF_PSEUDO_MAP_FD) or 2 (BPF_PSEUDO_MAP_VALUE) the imm is a map
 * file descriptor: it is printed as 0 and <map> names the map (or is '?' if
 * no map of the object had that fd); everywhere else <map> is '-'.
 * <status>: loaded (the kernel accepted it), rejected (libbpf or the kernel
 * refused it: the load stopped there), not-attempted (libbpf stopped before
 * it), unrelocated (the load failed before relocation finished: no insn
 * lines follow). Internal map values are printed after the load, so .kconfig
 * holds the values libbpf resolved from the running kernel's config.
 *
 * Failed loads. bpf_object__load (libbpf 1.1) creates every map, then
 * relocates every autoloaded program, then loads them one by one and stops at
 * the first failure; on failure it closes all map and program fds
 * (bpf_object_unload) but leaves each program's relocated instruction array
 * in place (it is freed only by bpf_object__close). So after a failed load
 * bpf_program__insns still gives every program's final instructions - the
 * ones after the failing program too, since relocation precedes loading - but
 * bpf_map__fd says -1. To still name the map behind each fd, the print
 * callback (which libbpf calls, at debug level, right after creating each map:
 * "map '%s': created successfully, fd=%d") records every map's fd while the
 * maps are alive; fds do not change between map creation and unload. The
 * callback also notes which program libbpf reported as failing.
 * --each checks that claim: it loads each autoloaded program alone (a fresh
 * bpf_object per program, autoload off for the others) and prints the same
 * format, so the two outputs can be compared (load lines and statuses aside).
 *
 * func_info and line_info. libbpf 1.1 has no API that returns a program's
 * relocated .BTF.ext records (bpf_program__func_info came later), and what
 * the kernel reports back after a load is rewritten by the verifier. So the
 * tool interposes syscall(2): libbpf.so calls syscall(__NR_bpf, ...) through
 * its PLT, and a definition in this executable takes precedence. On every
 * BPF_PROG_LOAD it copies the func_info and line_info arrays the attr points
 * to, keyed by the attr's insns pointer (libbpf passes prog->insns, which
 * bpf_program__insns returns), then calls the real syscall. The first
 * attempt per program is kept (libbpf's retries pass the same arrays).
 * Programs never handed to the kernel (not-attempted, unrelocated) have no
 * func/line lines. Names and line strings are resolved through the object's
 * BTF (bpf_object__btf); in <file> and <line>, '\\', tab and newline are
 * escaped as \\\\, \\t and \\n.
 *
 * Pinning is switched off for every map (bpf_map__set_pin_path(map, NULL)),
 * so nothing is reused from or left in /sys/fs/bpf; nothing is attached, and
 * bpf_object__close releases every map and program.
 *
 * CO-RE (libbpf 1.1, relo_core.c). Relocations are applied when the object
 * is loaded, before the other relocations. A relocation that finds no
 * matching target field, type or enumerator (and is not an existence
 * check), or a load whose size cannot be adjusted, does not fail the load:
 * libbpf "poisons" the instruction - it becomes call 0xbad2310 (dst, src,
 * off 0; an ld_imm64 has both slots replaced) and logs, at debug level,
 * "prog '%s': relo #%d: substituting insn #%d w/ invalid insn" - so that the
 * kernel refuses the program only if the instruction is reachable ("invalid
 * func unknown#195896080"). Such a program is printed with status rejected,
 * its poisoned slots as they are. Relocations libbpf cannot compute at all
 * (a malformed access string, an ambiguous candidate: "relocation decision
 * ambiguity", a custom BTF that cannot be read) fail the whole load before
 * any program reached the kernel: those programs are printed unrelocated,
 * with libbpf's message on stderr.
 *
 * Exit status: 0 whether or not the load succeeded; 1 if the object cannot be
 * opened (libbpf's messages on stderr); 2 for bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/syscall.h>

#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define MAX_MAPS 1024
#define MAX_PROGS 1024

/*
 * What the print callback saw during one bpf_object__load. libbpf's print
 * callback has no user-data argument, hence this one file-level variable; the
 * tool is single-threaded and loads one object at a time.
 */
struct load_watch {
	struct bpf_object *obj;
	int map_fd[MAX_MAPS];		/* last fd >= 0 seen per map index, else -1 */
	int prog_loaded[MAX_PROGS];	/* program index had an fd >= 0 at some point */
	char failed_prog[256];		/* "prog '%s': failed to load" */
};

static struct load_watch watch;
static int opt_debug;
static const char *opt_btf; /* --btf: btf_custom_path, or NULL for the running kernel */

/* What one BPF_PROG_LOAD carried: the .BTF.ext records, copied. */
struct prog_load_capture {
	__u64 insns;			/* attr.insns: the program's instruction array */
	__u32 func_cnt, func_rec_size, line_cnt, line_rec_size;
	void *func_info, *line_info;
};

static struct prog_load_capture captures[MAX_PROGS];
static int capture_cnt;

static void *copy_records(__u64 ptr, __u32 cnt, __u32 rec_size)
{
	void *copy;

	if (!ptr || !cnt || !rec_size)
		return NULL;
	copy = malloc((size_t)cnt * rec_size);
	if (copy)
		memcpy(copy, (const void *)(unsigned long)ptr, (size_t)cnt * rec_size);
	return copy;
}

/*
 * attr_size is the size libbpf passed: its feature probes pass a short attr
 * whose tail is stack garbage, so fields past it are not read.
 */
static void capture_prog_load(const union bpf_attr *attr, unsigned long attr_size)
{
	struct prog_load_capture *c;
	int has_func = attr_size >= offsetof(union bpf_attr, func_info_cnt) + sizeof(attr->func_info_cnt);
	int has_line = attr_size >= offsetof(union bpf_attr, line_info_cnt) + sizeof(attr->line_info_cnt);
	int i;

	for (i = 0; i < capture_cnt; i++)
		if (captures[i].insns == attr->insns)
			return; /* a retry: keep the first attempt */
	if (capture_cnt >= MAX_PROGS)
		return;
	c = &captures[capture_cnt++];
	c->insns = attr->insns;
	if (has_func) {
		c->func_rec_size = attr->func_info_rec_size;
		c->func_info = copy_records(attr->func_info, attr->func_info_cnt, attr->func_info_rec_size);
		c->func_cnt = c->func_info ? attr->func_info_cnt : 0;
	}
	if (has_line) {
		c->line_rec_size = attr->line_info_rec_size;
		c->line_info = copy_records(attr->line_info, attr->line_info_cnt, attr->line_info_rec_size);
		c->line_cnt = c->line_info ? attr->line_info_cnt : 0;
	}
}

static void reset_captures(void)
{
	int i;

	for (i = 0; i < capture_cnt; i++) {
		free(captures[i].func_info);
		free(captures[i].line_info);
	}
	memset(captures, 0, sizeof(captures));
	capture_cnt = 0;
}

/*
 * Interposes libc's syscall(2) for libbpf (see the header): notes what
 * BPF_PROG_LOAD is given, then makes the real call. syscall(2) takes at most
 * six arguments after the number; the bpf(2) call uses three.
 */
long syscall(long number, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;
	int i;

	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (number == __NR_bpf && a[0] == BPF_PROG_LOAD && a[1])
		capture_prog_load((const union bpf_attr *)a[1], (unsigned long)a[2]);
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void watch_snapshot(void)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int i = 0;

	if (!watch.obj)
		return;
	bpf_object__for_each_map(map, watch.obj) {
		if (i < MAX_MAPS && bpf_map__fd(map) >= 0)
			watch.map_fd[i] = bpf_map__fd(map);
		i++;
	}
	i = 0;
	bpf_object__for_each_program(prog, watch.obj) {
		if (i < MAX_PROGS && bpf_program__fd(prog) >= 0)
			watch.prog_loaded[i] = 1;
		i++;
	}
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	char name[256];
	int err;
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(msg, sizeof(msg), fmt, copy);
	va_end(copy);
	watch_snapshot();
	if (sscanf(msg, "libbpf: prog '%255[^']': failed to load: %d", name, &err) == 2)
		snprintf(watch.failed_prog, sizeof(watch.failed_prog), "%s", name);
	if (level != LIBBPF_DEBUG || opt_debug)
		fputs(msg, stderr);
	return 0;
}

static struct bpf_object *open_object(const char *path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = opt_btf);
	struct bpf_object *obj = bpf_object__open_file(path, &opts);
	long err = libbpf_get_error(obj);

	if (!obj || err) {
		char msg[128];

		err = err ? err : -errno;
		libbpf_strerror((int)err, msg, sizeof(msg));
		fprintf(stderr, "libbpf_relocate: failed to open %s: %s (%ld)\n", path, msg, err);
		return NULL;
	}
	return obj;
}

static const char *map_name_of_fd(int fd)
{
	struct bpf_map *map;
	int i = 0;

	bpf_object__for_each_map(map, watch.obj) {
		if (i < MAX_MAPS && watch.map_fd[i] == fd)
			return bpf_map__name(map);
		i++;
	}
	return "?";
}

static void print_escaped(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
}

/* The func_info and line_info libbpf passed when it loaded this program, if it did. */
static void print_ext_info(const struct bpf_object *obj, const struct bpf_program *prog)
{
	const struct btf *btf = bpf_object__btf(obj);
	__u64 insns = (unsigned long)bpf_program__insns(prog);
	__u32 k;
	int i;

	for (i = 0; i < capture_cnt; i++) {
		const struct prog_load_capture *c = &captures[i];

		if (c->insns != insns)
			continue;
		printf("btfext\t%u\t%u\n", c->func_cnt, c->line_cnt);
		for (k = 0; k < c->func_cnt; k++) {
			const struct bpf_func_info *f = c->func_info + (size_t)k * c->func_rec_size;
			const struct btf_type *t = btf ? btf__type_by_id(btf, f->type_id) : NULL;

			printf("func\t%u\t%u\t%s\n", f->insn_off, f->type_id,
			       t ? btf__name_by_offset(btf, t->name_off) : "?");
		}
		for (k = 0; k < c->line_cnt; k++) {
			const struct bpf_line_info *l = c->line_info + (size_t)k * c->line_rec_size;

			printf("line\t%u\t", l->insn_off);
			print_escaped(btf ? btf__name_by_offset(btf, l->file_name_off) : "?");
			putchar('\t');
			print_escaped(btf ? btf__name_by_offset(btf, l->line_off) : "?");
			printf("\t%u\t%u\n", BPF_LINE_INFO_LINE_NUM(l->line_col), BPF_LINE_INFO_LINE_COL(l->line_col));
		}
		return;
	}
}

static void print_insns(const struct bpf_program *prog)
{
	const struct bpf_insn *insn = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog), i;

	for (i = 0; i < n; i++) {
		const struct bpf_insn *in = &insn[i];
		int ld_map = in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
			     (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE);

		printf("insn\t%u\t%u\t%u\t%d\t%d\t%s\n", in->code, in->dst_reg, in->src_reg, in->off,
		       ld_map ? 0 : in->imm, ld_map ? map_name_of_fd(in->imm) : "-");
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < n) {
			/* second slot of an ld_imm64: imm is the upper half (or the value offset) */
			i++;
			printf("insn\t%u\t%u\t%u\t%d\t%d\t-\n", insn[i].code, insn[i].dst_reg,
			       insn[i].src_reg, insn[i].off, insn[i].imm);
		}
	}
}

/*
 * Opens the object, switches pinning off, leaves autoload on only for the
 * program named only_prog (all autoloaded ones when NULL), loads it, and
 * prints the load result, the programs and, when print_maps, the internal
 * maps. Returns 1 if the object cannot be opened.
 */
static int relocate(const char *path, const char *only_prog, int print_maps)
{
	struct bpf_object *obj = open_object(path);
	struct bpf_program *prog;
	struct bpf_map *map;
	int i, err;

	if (!obj)
		return 1;
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	if (only_prog) {
		bpf_object__for_each_program(prog, obj)
			bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), only_prog));
	}

	reset_captures();
	memset(&watch, 0, sizeof(watch));
	for (i = 0; i < MAX_MAPS; i++)
		watch.map_fd[i] = -1;
	watch.obj = obj;
	err = bpf_object__load(obj);
	watch_snapshot(); /* after a successful load every fd is still open */
	if (!only_prog)
		printf("load\t%d\n", err);

	i = 0;
	bpf_object__for_each_program(prog, obj) {
		int idx = i++;
		const char *status;
		/* A failed load that reached the load step (some program loaded or
		 * was refused) had relocated every autoloaded program first. */
		int relocated = !err || watch.failed_prog[0];

		if (!bpf_program__autoload(prog))
			continue;
		for (int j = 0; !relocated && j < MAX_PROGS; j++)
			relocated = watch.prog_loaded[j];
		if (!relocated)
			status = "unrelocated";
		else if (idx < MAX_PROGS && watch.prog_loaded[idx])
			status = "loaded";
		else if (!strcmp(watch.failed_prog, bpf_program__name(prog)))
			status = "rejected";
		else
			status = "not-attempted";
		printf("prog\t%s\t%s\n", bpf_program__name(prog), status);
		if (relocated) {
			print_insns(prog);
			print_ext_info(obj, prog);
		}
	}

	if (print_maps) {
		bpf_object__for_each_map(map, obj) {
			const unsigned char *value;
			size_t size = 0, k;

			if (!bpf_map__is_internal(map))
				continue;
			value = bpf_map__initial_value(map, &size);
			printf("map\t%s\t", bpf_map__name(map));
			for (k = 0; value && k < size; k++)
				printf("%02x", value[k]);
			printf("\n");
		}
	}

	watch.obj = NULL;
	bpf_object__close(obj);
	reset_captures();
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int each = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--each"))
			each = 1;
		else if (!strcmp(argv[i], "--debug"))
			opt_debug = 1;
		else if (!strcmp(argv[i], "--btf") && i + 1 < argc)
			opt_btf = argv[++i];
		else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "usage: %s [--each] [--debug] [--btf PATH] OBJECT.o\n", argv[0]);
			return 2;
		} else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: %s [--each] [--debug] [--btf PATH] OBJECT.o\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print_fn);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	if (!each)
		return relocate(path, NULL, 1);

	/* --each: the names of the autoloaded programs first, then one load per program */
	{
		struct bpf_object *obj = open_object(path);
		struct bpf_program *prog;
		char **names;
		int n = 0, k, rc = 0;

		if (!obj)
			return 1;
		names = calloc(MAX_PROGS, sizeof(*names));
		if (!names)
			return 1;
		bpf_object__for_each_program(prog, obj)
			if (bpf_program__autoload(prog) && n < MAX_PROGS)
				names[n++] = strdup(bpf_program__name(prog));
		bpf_object__close(obj);
		for (k = 0; k < n && !rc; k++)
			rc = relocate(path, names[k], k == n - 1);
		if (n == 0) /* no program: still print the internal maps */
			rc = relocate(path, "", 1);
		for (k = 0; k < n; k++)
			free(names[k]);
		free(names);
		return rc;
	}
}
