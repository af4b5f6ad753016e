// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kernel_test_run - the Linux kernel as a peer for the emulator: loads one BPF
 * object with libbpf, then answers test-run and map requests read from stdin,
 * so that one process serves many runs (a property test, a benchmark).
 *
 * Build:  gcc -O2 -Wall -o kernel_test_run kernel_test_run.c -lbpf
 * Usage:  kernel_test_run OBJECT.o          (root or CAP_BPF + CAP_NET_ADMIN)
 *
 * Protocol: one request a line on stdin, one answer a line on stdout (flushed
 * after every answer). Fields are separated by single spaces; hex is lower
 * case, byte by byte in memory order ("-" for none), so a u64 counter of 5 on
 * a little-endian machine reads 0500000000000000.
 *
 *   start-up, before any request, exactly one of:
 *     ready <program name>...            the object is loaded (all its programs)
 *     unavailable <errno> <message>      bpf(2) does not work here (not root,
 *                                        no CONFIG_BPF_SYSCALL, seccomp...);
 *                                        the process then exits with status 3
 *     error <errno> <message>            the object does not open or load (the
 *                                        verifier log goes to stderr); exit 1
 *
 *   run <program> <data_hex|-> <ctx_hex|-> <repeat>
 *     BPF_PROG_TEST_RUN (bpf_prog_test_run_opts) with data_in, ctx_in and
 *     repeat as given. data_out gets a 256 KiB buffer; ctx_out a 4 KiB buffer,
 *     but only when ctx_in is given (a ctx_out alone makes the kernel start
 *     from an all-zero context, which e.g. XDP refuses).
 *     -> ok <retval> <data_out_hex|-> <ctx_out_hex|-> <duration_ns>
 *        retval as the kernel's u32 in decimal; duration is the kernel's mean
 *        time per run (the "duration" BPF_PROG_TEST_RUN reports)
 *     -> err <errno> <message>           e.g. err 22 Invalid argument
 *
 *   maps
 *     -> entry <map> <key_hex> <value_hex>   one line per element, then
 *     -> end
 *     Every array-like and hash-like map of the object (internal maps such as
 *     xdp_pars.bss included), in libbpf's map order, elements in
 *     BPF_MAP_GET_NEXT_KEY order, values read with BPF_MAP_LOOKUP_ELEM;
 *     per-CPU maps give the value of each possible CPU, each padded to 8
 *     bytes, concatenated. <map> is bpf_map__name().
 *
 *   reset
 *     Puts every such map back to what it held right after loading: arrays get
 *     their load-time values back (zero, or the section's bytes for .data and
 *     .bss), hash maps lose every key they did not have. Frozen maps (.rodata)
 *     cannot have changed and are left alone.
 *     -> ok            or   -> err <errno> <message>
 *
 *   quit (or end of input)
 *     closes the object and exits 0. Nothing is pinned or attached, so nothing
 *     outlives the process.
 *
 *   anything else
 *     -> err 22 unknown request
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define DATA_OUT_SIZE (256 * 1024)
#define CTX_OUT_SIZE 4096
#define MAX_MAPS 64

/* The load-time contents of one map: keys and values, n elements. */
struct snapshot {
	struct bpf_map *map;
	unsigned int ksz, vsz; /* vsz: the whole value, all CPUs */
	size_t n;
	unsigned char *keys, *vals;
};

static struct snapshot snaps[MAX_MAPS];
static int nsnaps;

static void hex(const unsigned char *p, size_t n)
{
	if (n == 0) {
		putchar('-');
		return;
	}
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* Parses hex (or "-") into a new buffer; returns its length, or -1. */
static long unhex(const char *s, unsigned char **out)
{
	size_t len = strlen(s);

	*out = NULL;
	if (strcmp(s, "-") == 0)
		return 0;
	if (len % 2)
		return -1;
	*out = malloc(len / 2 + 1);
	for (size_t i = 0; i < len / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1) {
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i] = (unsigned char)b;
	}
	return (long)(len / 2);
}

/* Value size as BPF_MAP_LOOKUP_ELEM fills it, or 0 for maps we do not dump. */
static unsigned int value_size(const struct bpf_map *map)
{
	unsigned int vsz = bpf_map__value_size(map);

	if (bpf_map__fd(map) < 0 || bpf_map__key_size(map) == 0)
		return 0;
	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return ((vsz + 7) / 8) * 8 * libbpf_num_possible_cpus();
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		return vsz;
	default:
		return 0;
	}
}

static int is_array(const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_ARRAY || bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Calls fn for every element of map; stops at the first non-zero answer. */
static int each(struct bpf_map *map, int (*fn)(struct bpf_map *, const void *, const void *, void *), void *arg)
{
	unsigned int ksz = bpf_map__key_size(map), vsz = value_size(map);
	unsigned char *key = calloc(1, ksz), *next = calloc(1, ksz), *val = calloc(1, vsz);
	int fd = bpf_map__fd(map), first = 1, err = 0;

	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = 0;
		memcpy(key, next, ksz);
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		err = fn(map, key, val, arg);
		if (err)
			break;
	}
	free(key);
	free(next);
	free(val);
	return err;
}

static int print_entry(struct bpf_map *map, const void *key, const void *val, void *arg)
{
	(void)arg;
	printf("entry %s ", bpf_map__name(map));
	hex(key, bpf_map__key_size(map));
	putchar(' ');
	hex(val, value_size(map));
	putchar('\n');
	return 0;
}

static int save_entry(struct bpf_map *map, const void *key, const void *val, void *arg)
{
	struct snapshot *s = arg;

	(void)map;
	s->keys = realloc(s->keys, (s->n + 1) * s->ksz);
	s->vals = realloc(s->vals, (s->n + 1) * s->vsz);
	memcpy(s->keys + s->n * s->ksz, key, s->ksz);
	memcpy(s->vals + s->n * s->vsz, val, s->vsz);
	s->n++;
	return 0;
}

static int in_snapshot(const struct snapshot *s, const void *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(s->keys + i * s->ksz, key, s->ksz) == 0)
			return 1;
	return 0;
}

/* Collects the keys the map has now and the snapshot lacks. */
struct extra {
	const struct snapshot *s;
	size_t n;
	unsigned char *keys;
};

static int note_extra(struct bpf_map *map, const void *key, const void *val, void *arg)
{
	struct extra *x = arg;

	(void)map;
	(void)val;
	if (in_snapshot(x->s, key))
		return 0;
	x->keys = realloc(x->keys, (x->n + 1) * x->s->ksz);
	memcpy(x->keys + x->n * x->s->ksz, key, x->s->ksz);
	x->n++;
	return 0;
}

static int snapshot_all(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		struct snapshot *s;

		if (value_size(map) == 0)
			continue;
		if (nsnaps == MAX_MAPS)
			return -E2BIG;
		s = &snaps[nsnaps++];
		s->map = map;
		s->ksz = bpf_map__key_size(map);
		s->vsz = value_size(map);
		each(map, save_entry, s);
	}
	return 0;
}

static int reset_all(void)
{
	unsigned char *cur = NULL;
	int err = 0;

	for (int m = 0; m < nsnaps && !err; m++) {
		struct snapshot *s = &snaps[m];
		int fd = bpf_map__fd(s->map);

		cur = realloc(cur, s->vsz);
		if (!is_array(s->map)) {
			struct extra x = { .s = s };

			each(s->map, note_extra, &x);
			for (size_t i = 0; i < x.n && !err; i++)
				if (bpf_map_delete_elem(fd, x.keys + i * s->ksz))
					err = -errno;
			free(x.keys);
		}
		/* Write back only what changed: a frozen map refuses every update. */
		for (size_t i = 0; i < s->n && !err; i++) {
			const void *key = s->keys + i * s->ksz, *val = s->vals + i * s->vsz;

			if (bpf_map_lookup_elem(fd, key, cur) == 0 && memcmp(cur, val, s->vsz) == 0)
				continue;
			if (bpf_map_update_elem(fd, key, val, BPF_ANY))
				err = -errno;
		}
	}
	free(cur);
	return err;
}

static void run(struct bpf_object *obj, char *args)
{
	static unsigned char data_out[DATA_OUT_SIZE], ctx_out[CTX_OUT_SIZE];
	char *name = strtok(args, " "), *data_hex = strtok(NULL, " ");
	char *ctx_hex = strtok(NULL, " "), *repeat = strtok(NULL, " ");
	unsigned char *data = NULL, *ctx = NULL;
	long data_len, ctx_len;
	struct bpf_program *prog;
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	if (!name || !data_hex || !ctx_hex || !repeat || strtok(NULL, " ")) {
		printf("err %d usage: run <program> <data_hex|-> <ctx_hex|-> <repeat>\n", EINVAL);
		return;
	}
	prog = bpf_object__find_program_by_name(obj, name);
	if (!prog) {
		printf("err %d no program %s\n", ENOENT, name);
		return;
	}
	data_len = unhex(data_hex, &data);
	ctx_len = unhex(ctx_hex, &ctx);
	if (data_len < 0 || ctx_len < 0) {
		printf("err %d bad hex\n", EINVAL);
		goto out;
	}
	opts.data_in = data;
	opts.data_size_in = (__u32)data_len;
	opts.data_out = data_out;
	opts.data_size_out = sizeof(data_out);
	if (ctx_len > 0) {
		opts.ctx_in = ctx;
		opts.ctx_size_in = (__u32)ctx_len;
		opts.ctx_out = ctx_out;
		opts.ctx_size_out = sizeof(ctx_out);
	}
	opts.repeat = (int)strtol(repeat, NULL, 10);
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		printf("err %d %s\n", -err, strerror(-err));
		goto out;
	}
	printf("ok %u ", opts.retval);
	hex(data_out, opts.data_size_out);
	putchar(' ');
	hex(ctx_out, ctx_len > 0 ? opts.ctx_size_out : 0);
	printf(" %u\n", opts.duration);
out:
	free(data);
	free(ctx);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err, probe;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT.o\n", argv[0]);
		return 2;
	}
	/* A one-element array tells "bpf(2) does not work here" from "the object is refused". */
	probe = bpf_map_create(BPF_MAP_TYPE_ARRAY, "kpeer_probe", 4, 4, 1, NULL);
	if (probe < 0) {
		printf("unavailable %d bpf(BPF_MAP_CREATE): %s\n", errno, strerror(errno));
		return 3;
	}
	close(probe);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		printf("error %d open %s: %s\n", errno, argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		printf("error %d load %s: %s\n", -err, argv[1], strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	err = snapshot_all(obj);
	if (err) {
		printf("error %d %s: more than %d maps\n", -err, argv[1], MAX_MAPS);
		bpf_object__close(obj);
		return 1;
	}
	printf("ready");
	bpf_object__for_each_program(prog, obj)
		printf(" %s", bpf_program__name(prog));
	printf("\n");
	fflush(stdout);

	while ((len = getline(&line, &cap, stdin)) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "run ", 4) == 0) {
			run(obj, line + 4);
		} else if (strcmp(line, "maps") == 0) {
			bpf_object__for_each_map(map, obj)
				if (value_size(map))
					each(map, print_entry, NULL);
			printf("end\n");
		} else if (strcmp(line, "reset") == 0) {
			err = reset_all();
			if (err)
				printf("err %d %s\n", -err, strerror(-err));
			else
				printf("ok\n");
		} else if (strcmp(line, "quit") == 0) {
			break;
		} else {
			printf("err %d unknown request\n", EINVAL);
		}
		fflush(stdout);
	}
	free(line);
	bpf_object__close(obj);
	return 0;
}
