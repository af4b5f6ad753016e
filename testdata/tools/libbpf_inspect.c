// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libbpf_inspect - print what libbpf sees in a BPF ELF object, without
 * loading anything into the kernel (bpf_object__open_file only).
 *
 * Build:  gcc -O2 -Wall -o libbpf_inspect libbpf_inspect.c -lbpf
 * (libbpf 1.x; also builds against libbpf 0.6+, where --names prints numbers)
 * Usage:  libbpf_inspect [--names] [--vars] [--inner] [--initial] [--debug] OBJECT.o
 *
 * Output, one tab-separated line per program and per map, in libbpf's order:
 *   prog <name> <section> <prog type> <expected attach type> <insn_cnt> <autoload 0|1>
 *   map  <name> <map type> <key_size> <value_size> <max_entries> <map_flags>
 *        <numa_node> <map_extra> <pinned 0|1>
 * Types are the uapi numbers (enum bpf_prog_type, bpf_attach_type,
 * bpf_map_type); with --names they are libbpf's names instead
 * (libbpf_bpf_*_type_str: "xdp", "cgroup_inet_ingress", "lru_hash", ...).
 * <section> is libbpf's section name: a leading '?' is stripped (autoload 0).
 * <insn_cnt> is the program's own instruction count at open time (subprograms
 * are appended only at load). <pinned> is 1 when libbpf assigned a pin path,
 * which happens exactly for __uint(pinning, LIBBPF_PIN_BY_NAME).
 * An expected attach type of 0 is printed as 0 (= BPF_CGROUP_INET_INGRESS);
 * libbpf does not distinguish "none" from 0.
 *
 * --vars adds, for each internal map (global data, .kconfig), the variables
 * of its BTF DATASEC (offsets as finalized by libbpf at open):
 *   var <name> <datasec name> <offset> <size> <linkage: static|global|extern>
 * --inner adds, for each map-in-map, its inner map template:
 *   inner <outer map> <inner name> <map type> <key_size> <value_size> <max_entries> <map_flags>
 * --initial adds, for each internal map, the initial value libbpf will load
 * into it (bpf_map__initial_value: the data section's bytes, zeros for .bss),
 * as lowercase hex, or "-" when libbpf has none:
 *   initial <map name> <value_size> <hex bytes>
 * --debug passes libbpf's debug messages to stderr.
 *
 * Exit status 1, with libbpf's messages on stderr, if the object cannot be
 * opened (libbpf 1.x refuses legacy SEC("maps"), for example).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>

/* libbpf_bpf_*_type_str() appeared in libbpf 1.0; with 0.x (which still opens
 * legacy SEC("maps") objects) --names falls back to numbers. */
#if LIBBPF_MAJOR_VERSION >= 1
#define PROG_TYPE_STR(t)	libbpf_bpf_prog_type_str(t)
#define ATTACH_TYPE_STR(t)	libbpf_bpf_attach_type_str(t)
#define MAP_TYPE_STR(t)		libbpf_bpf_map_type_str(t)
#else
#define PROG_TYPE_STR(t)	((const char *)NULL)
#define ATTACH_TYPE_STR(t)	((const char *)NULL)
#define MAP_TYPE_STR(t)		((const char *)NULL)
#endif

static int opt_names, opt_vars, opt_inner, opt_initial, opt_debug;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !opt_debug)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void print_type(const char *name, unsigned int num)
{
	if (opt_names && name)
		printf("\t%s", name);
	else
		printf("\t%u", num);
}

static const char *linkage_str(int linkage)
{
	switch (linkage) {
	case BTF_VAR_STATIC: return "static";
	case BTF_VAR_GLOBAL_ALLOCATED: return "global";
	case BTF_VAR_GLOBAL_EXTERN: return "extern";
	default: return "?";
	}
}

static void print_vars(const struct bpf_object *obj, const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vsi;
	const struct btf_type *sec;
	__u32 id = bpf_map__btf_value_type_id(map);
	int i;

	if (!btf || !id)
		return;
	sec = btf__type_by_id(btf, id);
	if (!sec || !btf_is_datasec(sec))
		return;
	vsi = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vsi++) {
		const struct btf_type *v = btf__type_by_id(btf, vsi->type);

		if (!v || !btf_is_var(v))
			continue;
		printf("var\t%s\t%s\t%u\t%u\t%s\n", btf__name_by_offset(btf, v->name_off),
		       btf__name_by_offset(btf, sec->name_off), vsi->offset, vsi->size,
		       linkage_str(btf_var(v)->linkage));
	}
}

static void print_initial(const struct bpf_map *map)
{
	size_t size = 0, i;
	const unsigned char *data = bpf_map__initial_value((struct bpf_map *)map, &size);

	printf("initial\t%s\t%u\t", bpf_map__name(map), bpf_map__value_size(map));
	if (!data)
		printf("-");
	for (i = 0; data && i < size; i++)
		printf("%02x", data[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	const char *path = NULL;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--names"))
			opt_names = 1;
		else if (!strcmp(argv[i], "--vars"))
			opt_vars = 1;
		else if (!strcmp(argv[i], "--inner"))
			opt_inner = 1;
		else if (!strcmp(argv[i], "--initial"))
			opt_initial = 1;
		else if (!strcmp(argv[i], "--debug"))
			opt_debug = 1;
		else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "usage: %s [--names] [--vars] [--inner] [--initial] [--debug] OBJECT.o\n",
				argv[0]);
			return 2;
		} else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: %s [--names] [--vars] [--inner] [--initial] [--debug] OBJECT.o\n", argv[0]);
		return 2;
	}

	libbpf_set_print(print_fn);
	obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(obj);
	if (!obj || err) {
		char msg[128];

		err = err ? err : -errno;
		libbpf_strerror(err, msg, sizeof(msg));
		fprintf(stderr, "libbpf_inspect: failed to open %s: %s (%d)\n", path, msg, err);
		return 1;
	}

	bpf_object__for_each_program(prog, obj) {
		enum bpf_prog_type pt = bpf_program__type(prog);
		enum bpf_attach_type at = bpf_program__expected_attach_type(prog);

		printf("prog\t%s\t%s", bpf_program__name(prog), bpf_program__section_name(prog));
		print_type(PROG_TYPE_STR(pt), pt);
		print_type(ATTACH_TYPE_STR(at), at);
		printf("\t%zu\t%d\n", bpf_program__insn_cnt(prog), bpf_program__autoload(prog) ? 1 : 0);
	}

	bpf_object__for_each_map(map, obj) {
		enum bpf_map_type mt = bpf_map__type(map);

		printf("map\t%s", bpf_map__name(map));
		print_type(MAP_TYPE_STR(mt), mt);
		printf("\t%u\t%u\t%u\t%u\t%u\t%llu\t%d\n", bpf_map__key_size(map),
		       bpf_map__value_size(map), bpf_map__max_entries(map),
		       bpf_map__map_flags(map), bpf_map__numa_node(map),
		       (unsigned long long)bpf_map__map_extra(map),
		       bpf_map__pin_path(map) ? 1 : 0);
	}

	if (opt_inner) {
		bpf_object__for_each_map(map, obj) {
			struct bpf_map *in = bpf_map__inner_map(map);
			enum bpf_map_type mt;

			if (!in)
				continue;
			mt = bpf_map__type(in);
			printf("inner\t%s\t%s", bpf_map__name(map), bpf_map__name(in));
			print_type(MAP_TYPE_STR(mt), mt);
			printf("\t%u\t%u\t%u\t%u\n", bpf_map__key_size(in), bpf_map__value_size(in),
			       bpf_map__max_entries(in), bpf_map__map_flags(in));
		}
	}

	if (opt_vars) {
		bpf_object__for_each_map(map, obj) {
			if (bpf_map__is_internal(map))
				print_vars(obj, map);
		}
	}

	if (opt_initial) {
		bpf_object__for_each_map(map, obj) {
			if (bpf_map__is_internal(map))
				print_initial(map);
		}
	}

	bpf_object__close(obj);
	return 0;
}
