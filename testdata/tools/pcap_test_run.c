// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcap_test_run - run one XDP (or tc/socket) program of a BPF object over the
 * frames of a pcap file in the real kernel (BPF_PROG_TEST_RUN), then dump the
 * object's maps. A kernel oracle for the emulator and for the README demo.
 *
 * Build:  gcc -O2 -Wall -o pcap_test_run pcap_test_run.c -lbpf
 * Usage:  pcap_test_run OBJECT.o PROGRAM FILE.pcap      (root or CAP_BPF)
 *
 * Output (tab-separated):
 *   packet <n from 1> <length> <retval>
 *   entry <map name> <key as hex> <value as hex>      for every map element
 *   (per-CPU maps: the value of each possible CPU, concatenated)
 * Keys and values are printed byte by byte in memory order, so a u64 counter
 * of 5 on a little-endian machine reads 0500000000000000.
 * Only array-like and hash-like maps are dumped (whatever iterates with
 * bpf_map_get_next_key); internal maps (.bss, .data, ...) are included.
 * Classic pcap only (magic a1b2c3d4 or d4c3b2a1, micro- or nanoseconds).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static void hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static uint32_t rd32(const unsigned char *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static void dump_map(const struct bpf_map *map)
{
	unsigned int ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
	enum bpf_map_type t = bpf_map__type(map);
	int fd = bpf_map__fd(map), ncpu = 1;
	unsigned char *key, *next, *val;
	int first = 1;

	if (fd < 0 || ksz == 0)
		return;
	switch (t) {
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		ncpu = libbpf_num_possible_cpus();
		vsz = ((vsz + 7) / 8) * 8;
		break;
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		break;
	default:
		return;
	}
	key = calloc(1, ksz);
	next = calloc(1, ksz);
	val = calloc(ncpu, vsz);
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = 0;
		memcpy(key, next, ksz);
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		printf("entry\t%s\t", bpf_map__name(map));
		hex(key, ksz);
		putchar('\t');
		hex(val, (size_t)vsz * ncpu);
		putchar('\n');
	}
	free(key);
	free(next);
	free(val);
}

int main(int argc, char **argv)
{
	static unsigned char frame[65536];
	unsigned char gh[24], rh[16];
	struct bpf_object *obj;
	struct bpf_program *prog, *p;
	struct bpf_map *map;
	int swap, n = 0, err;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: %s OBJECT.o PROGRAM FILE.pcap\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog) {
		fprintf(stderr, "no program %s in %s\n", argv[2], argv[1]);
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load %s: %s\n", argv[1], strerror(-err));
		return 1;
	}

	f = fopen(argv[3], "rb");
	if (!f || fread(gh, 1, sizeof(gh), f) != sizeof(gh)) {
		fprintf(stderr, "read %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	if (rd32(gh, 0) == 0xa1b2c3d4 || rd32(gh, 0) == 0xa1b23c4d)
		swap = 0;
	else if (rd32(gh, 1) == 0xa1b2c3d4 || rd32(gh, 1) == 0xa1b23c4d)
		swap = 1;
	else {
		fprintf(stderr, "%s: not a classic pcap file\n", argv[3]);
		return 1;
	}
	while (fread(rh, 1, sizeof(rh), f) == sizeof(rh)) {
		uint32_t len = rd32(rh + 8, swap);
		LIBBPF_OPTS(bpf_test_run_opts, opts);

		if (len > sizeof(frame) || fread(frame, 1, len, f) != len) {
			fprintf(stderr, "%s: truncated record %d\n", argv[3], n + 1);
			return 1;
		}
		opts.data_in = frame;
		opts.data_size_in = len;
		err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
		n++;
		if (err)
			printf("packet\t%d\t%u\terror %d\n", n, len, err);
		else
			printf("packet\t%d\t%u\t%u\n", n, len, opts.retval);
	}
	fclose(f);

	bpf_object__for_each_map(map, obj)
		dump_map(map);
	bpf_object__close(obj);
	return 0;
}
