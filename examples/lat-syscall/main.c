/*
 * lat-syscall: lmbench-style latency of system calls, in TSC cycles per operation. Under QEMU TCG
 * with -icount shift=0 the figures repeat exactly.
 *
 *   lat-syscall [-n ITERATIONS] [OP ...]      (default: -n 20000 null)
 *
 * Binary system calls (the `syscall` instruction): null is getpid; read and write move one byte on a
 * file in ramfs (each after an lseek); open is open+close of it.
 * Native system calls, in an image built with musl (CONFIG_LIBMUSL): native-null, native-read,
 * native-write and native-open do the same through libc, which lib-musl turns into direct calls of
 * uk_syscall_r_<name>.
 * Each operation prints one line:  lat-syscall op=<op> iterations=<n> cycles=<total> cycles_per_op=<x.yy>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uk/config.h>
#if CONFIG_LIBMUSL
#include <fcntl.h>
#include <unistd.h>
#define NATIVE_OPS ", or native-null, native-read, native-write or native-open"
#else
#define NATIVE_OPS ""
#endif

#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_close 3
#define NR_lseek 8
#define NR_getpid 39

static inline long sys3(long nr, long a0, long a1, long a2)
{
	long ret;
	register long r0 __asm__("rdi") = a0;
	register long r1 __asm__("rsi") = a1;
	register long r2 __asm__("rdx") = a2;

	__asm__ __volatile__("syscall" : "=a"(ret) : "a"(nr), "r"(r0), "r"(r1), "r"(r2)
			     : "rcx", "r11", "memory");
	return ret;
}

static inline unsigned long long rdtsc(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long long)hi << 32) | lo;
}

static const char *path = "/lat-syscall.tmp";

static int run(const char *op, long n)
{
	unsigned long long t0, t1;
	char byte = 'x';
	long fd = -1, i, rc = 0;

	if (strcmp(op, "read") == 0 || strcmp(op, "write") == 0 ||
	    strcmp(op, "native-read") == 0 || strcmp(op, "native-write") == 0) {
		fd = sys3(NR_open, (long)path, 0102 /* O_RDWR|O_CREAT */, 0644);
		if (fd < 0 || sys3(NR_write, fd, (long)&byte, 1) != 1) {
			printf("lat-syscall op=%s error=cannot-create-%s rc=%ld\n", op, path, fd);
			return 1;
		}
	}
	t0 = rdtsc();
	if (strcmp(op, "null") == 0) {
		for (i = 0; i < n; i++)
			sys3(NR_getpid, 0, 0, 0);
	} else if (strcmp(op, "read") == 0) {
		for (i = 0; i < n; i++) {
			sys3(NR_lseek, fd, 0, 0);
			rc |= sys3(NR_read, fd, (long)&byte, 1) != 1;
		}
	} else if (strcmp(op, "write") == 0) {
		for (i = 0; i < n; i++) {
			sys3(NR_lseek, fd, 0, 0);
			rc |= sys3(NR_write, fd, (long)&byte, 1) != 1;
		}
	} else if (strcmp(op, "open") == 0) {
		for (i = 0; i < n; i++) {
			long f = sys3(NR_open, (long)path, 0102, 0644);

			rc |= f < 0 || sys3(NR_close, f, 0, 0) != 0;
		}
#if CONFIG_LIBMUSL
	} else if (strcmp(op, "native-null") == 0) {
		for (i = 0; i < n; i++)
			getpid();
	} else if (strcmp(op, "native-read") == 0) {
		for (i = 0; i < n; i++) {
			lseek(fd, 0, SEEK_SET);
			rc |= read(fd, &byte, 1) != 1;
		}
	} else if (strcmp(op, "native-write") == 0) {
		for (i = 0; i < n; i++) {
			lseek(fd, 0, SEEK_SET);
			rc |= write(fd, &byte, 1) != 1;
		}
	} else if (strcmp(op, "native-open") == 0) {
		for (i = 0; i < n; i++) {
			int f = open(path, O_RDWR | O_CREAT, 0644);

			rc |= f < 0 || close(f) != 0;
		}
#endif
	} else {
		printf("lat-syscall op=%s error=unknown-op (use null, read, write or open" NATIVE_OPS ")\n", op);
		return 1;
	}
	t1 = rdtsc();
	if (fd >= 0)
		sys3(NR_close, fd, 0, 0);
	if (rc) {
		printf("lat-syscall op=%s error=syscall-failed\n", op);
		return 1;
	}
	printf("lat-syscall op=%s iterations=%ld cycles=%llu cycles_per_op=%llu.%02llu\n", op, n, t1 - t0,
	       (t1 - t0) / n, (t1 - t0) * 100 / n % 100);
	return 0;
}

int main(int argc, char *argv[])
{
	long n = 20000;
	int i, ops = 0, failed = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			n = atol(argv[++i]);
			continue;
		}
		failed |= run(argv[i], n);
		ops++;
	}
	if (!ops)
		failed |= run("null", n);
	return failed;
}
