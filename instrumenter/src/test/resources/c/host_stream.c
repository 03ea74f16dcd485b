/*
 * Host harness for the generated stream code (templates/libukhook/include/ukhook/stream.h): it plays
 * the binary syscall handler and the virtio transport, and writes the stream to stdout for ukhook's
 * Java decoder to check.
 *
 *   host_stream CALLS STALL [LATE_STALL]
 *     CALLS       syscalls to simulate
 *     STALL       the transport refuses this many submits before it accepts any (a slow host)
 *     LATE_STALL  ten calls before the end, it refuses this many again, so that whole batches are
 *                 still in the ring when the guest shuts down
 *   host_stream native
 *     native system calls through definitions written as the patched <uk/syscall.h> expands them
 *     (templates/libukhook/include/ukhook/native.h), with wrappers, nesting, a binary call and
 *     stubs; the address of each calling function goes to stderr as "fn NAME ADDRESS".
 *   host_stream tails
 *     record tails and the other records of programs a loader runs: an openat whose path is copied, a
 *     binary call with its stack snapshot, a load record, an exit_group (recorded when it begins) and a
 *     call still in progress at shutdown; the snapshot's sp goes to stderr as "fn sp ADDRESS".
 *   host_stream buffers
 *     reads and writes whose first bytes the path copy keeps at their return, and two it must not copy.
 *   host_stream stuck CALLS
 *     a call that does not return while CALLS others fill the ring many times over (a thread asleep):
 *     its record must be committed without its return, and its late end must change nothing.
 *   host_stream numbers
 *     the syscall numbers the library was generated with, as text on stdout: "exit NR", "exit_group NR",
 *     "name NAME NR" (native.h's table, looked up by name), "path NR ARG" and "buffer NR" (stream.h's switches).
 *   host_stream buckets
 *     reads durations from stdin and prints each with its latency histogram bucket (count.h's ukhook_bucket()).
 *   host_stream control HEX
 *     feeds the bytes HEX spells to a control reader one by one; the kind of each message it completes
 *     goes to stderr as "fn kindN KIND", with the index of its last byte as "fn atN INDEX".
 */
#define UKHOOK_STREAM_IMPLEMENTATION
#include <ukhook/native.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#define QMAX 16
static const void *q_buf[QMAX];
static uint32_t q_len[QMAX];
static unsigned int q_head, q_tail;
static long stall, late_stall;

/* The guest ends the unikernel; the harness records that it was asked to. */
static int exit_groups;

void ukhook_exit_group(void)
{
	exit_groups++;
}

/* A trace-only build never kills. */
void ukhook_kill(unsigned int lib __attribute__((unused)), uint64_t nr __attribute__((unused)),
		 uint64_t rip __attribute__((unused)))
{
	abort();
}

int ukhook_transport_submit(const void *buf, uint32_t len)
{
	if (stall > 0) {
		stall--;
		return -1;
	}
	if (q_head - q_tail == QMAX)
		return -1;
	/* The device reads the buffer when it is queued, as QEMU does on the notify. */
	fwrite(buf, 1, len, stdout);
	q_buf[q_head % QMAX] = buf;
	q_len[q_head % QMAX] = len;
	q_head++;
	return 0;
}

void ukhook_transport_reclaim(void)
{
	while (q_tail != q_head) {
		ukhook_completed(q_buf[q_tail % QMAX], q_len[q_tail % QMAX]);
		q_tail++;
	}
}

void ukhook_transport_pause(void)
{
}

/* A caller stack: three frames chained by saved frame pointers, return addresses 0x1000+k. */
static uint64_t stack[64] __attribute__((aligned(16)));

/*
 * Definitions as the patched __UK_LLSYSCALL_R_DEFINE expands them (uk_syscall_r_<name>), the errno
 * wrapper in front of one (uk_syscall_e_<name>), and the callers the records must name.
 */
#define NOINLINE __attribute__((noinline))

static int native(void);

NOINLINE long uk_syscall_r_clock_gettime(long clock, long ts)
{
	long ret;

	UKHOOK_NATIVE_DECL;
	if (UKHOOK_NATIVE_ENTER(UKHOOK_PATH_NATIVE_RAW, clock_gettime, 4, clock, ts))
		ret = 0;
	UKHOOK_NATIVE_EXIT(ret);
	return ret;
}

/* write asks for the time while it runs, as ramfs does through musl: a nested call. */
NOINLINE long uk_syscall_r_write(long fd, long buf, long n)
{
	long ret;

	UKHOOK_NATIVE_DECL;
	if (UKHOOK_NATIVE_ENTER(UKHOOK_PATH_NATIVE_RAW, write, 6, fd, buf, n))
		ret = n + uk_syscall_r_clock_gettime(0, 0);
	UKHOOK_NATIVE_EXIT(ret);
	return ret;
}

NOINLINE long uk_syscall_e_write(long fd, long buf, long n)
{
	long ret;

	UKHOOK_NATIVE_THUNK(UKHOOK_PATH_NATIVE_ERRNO);
	ret = uk_syscall_r_write(fd, buf, n);
	return ret < 0 ? -1 : ret;
}

NOINLINE long uk_syscall_r_fstatat(long dirfd, long path, long st, long flags)
{
	long ret;

	UKHOOK_NATIVE_DECL;
	if (UKHOOK_NATIVE_ENTER(UKHOOK_PATH_NATIVE_RAW, fstatat, 8, dirfd, path, st, flags))
		ret = -2;
	UKHOOK_NATIVE_EXIT(ret);
	return ret;
}

NOINLINE long uk_syscall_r_no_such_call(void)
{
	long ret;

	UKHOOK_NATIVE_DECL;
	if (UKHOOK_NATIVE_ENTER(UKHOOK_PATH_NATIVE_RAW, no_such_call, 0))
		ret = 7;
	UKHOOK_NATIVE_EXIT(ret);
	return ret;
}

NOINLINE void app_raw(void) { uk_syscall_r_write(1, 2, 3); }
NOINLINE void app_errno(void) { uk_syscall_e_write(4, 5, 6); }
NOINLINE void app_other(void) { uk_syscall_r_fstatat(-100, 8, 9, 0); uk_syscall_r_no_such_call(); }
NOINLINE void app_stub(void) { UKHOOK_STUB("getpid"); UKHOOK_STUB("no_such_call"); }

/* The binary handler's hook around a dispatch that reaches the definition: recorded once. */
NOINLINE void app_binary(void)
{
	uint64_t fp = (uint64_t)__builtin_frame_address(0);
	struct ukhook_record *r = ukhook_begin(1, UKHOOK_PATH_BINARY, ukhook_binary_begins(), 7, 8, 9,
					       0, 0, 0, 0x1234, fp, fp, 0, 0x1234);
	long ret = uk_syscall_r_write(7, 8, 9);

	ukhook_binary_ends();
	ukhook_end(ukhook_ticket(r, 1), ret);
}

/* The same through a wrapper, as the binary dispatch reaches an errno-style (UK_SYSCALL_DEFINE) one. */
NOINLINE void app_binary_wrapped(void)
{
	uint64_t fp = (uint64_t)__builtin_frame_address(0);
	struct ukhook_record *r = ukhook_begin(1, UKHOOK_PATH_BINARY, ukhook_binary_begins(), 7, 8, 9,
					       0, 0, 0, 0x1235, fp, fp, 0, 0x1235);
	long ret = uk_syscall_e_write(7, 8, 9);

	ukhook_binary_ends();
	ukhook_end(ukhook_ticket(r, 1), ret);
}

NOINLINE static int native(void)
{
	ukhook_start(1000000000ULL);
	app_raw();
	app_errno();
	app_binary();
	app_binary_wrapped();
	app_raw();
	app_other();
	app_stub();
	ukhook_finish(ukhook_now());
	fflush(stdout);
	fprintf(stderr, "fn app_raw %lu\nfn app_errno %lu\nfn app_other %lu\nfn app_stub %lu\n"
		"fn uk_syscall_r_write %lu\nfn native %lu\n", (unsigned long)app_raw, (unsigned long)app_errno,
		(unsigned long)app_other, (unsigned long)app_stub, (unsigned long)uk_syscall_r_write,
		(unsigned long)native);
	return ukhook_thread.nest != 0 || ukhook_thread.skip != 0 || ukhook_thread.thunk_frame != 0;
}

NOINLINE static int tails(void)
{
	uint64_t snap[80];
	struct ukhook_record *r;
	unsigned int i;

	for (i = 0; i < 80; i++)
		snap[i] = 0x5000 + i;
	ukhook_start(1000000000ULL);
	r = ukhook_begin(257, UKHOOK_PATH_BINARY, 0, (uint64_t)-100, (uint64_t)"/lib/x86_64-linux-gnu/libc.so.6",
			 0, 0, 0, 0, 0x401000, 0, (uint64_t)snap, 0, 0x401000);
	ukhook_end(ukhook_ticket(r, 257), 3);
	ukhook_load(0x7000040, 13, 0x7001000, 0x9000000, "/linux-static");
	/* A path longer than the copy is cut, and still terminated. */
	r = ukhook_begin(2, UKHOOK_PATH_NATIVE_RAW, 0, (uint64_t)"/a/very/long/path/that/does/not/fit/into/the/"
			 "record/tail/at/all/not/even/close", 0, 0, 0, 0, 0, 0x401100, 0, (uint64_t)snap, 0, 0x401100);
	ukhook_end(ukhook_ticket(r, 2), -2);
	r = ukhook_begin(231, UKHOOK_PATH_BINARY, 0, 7, 0, 0, 0, 0, 0, 0x401200, 0, (uint64_t)snap, 0, 0x401200);
	ukhook_end(ukhook_ticket(r, 231), 99); /* never reached in a guest: must change nothing */
	ukhook_begin(35, UKHOOK_PATH_NATIVE_ERRNO, 0, 1, 0, 0, 0, 0, 0, 0x401300, 0, (uint64_t)snap, 0, 0x401300);
	ukhook_finish(ukhook_now());
	fflush(stdout);
	fprintf(stderr, "fn sp %lu\nfn exit_groups %d\n", (unsigned long)snap, exit_groups);
	return 0;
}

/*
 * What reads and writes moved, copied at their return: a write of 13 bytes, a read of 40 (cut to the copy),
 * a write that failed on a bad buffer (nothing may be read from it), a read at end of file.
 */
NOINLINE static int buffers(void)
{
	static char in[64] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
	struct ukhook_record *r;

	ukhook_start(1000000000ULL);
	r = ukhook_begin(1, UKHOOK_PATH_BINARY, 0, 1, (uint64_t)"hello, world\n", 13, 0, 0, 0, 0x401000, 0,
			 (uint64_t)stack, 0, 0x401000);
	ukhook_end(ukhook_ticket(r, 1), 13);
	r = ukhook_begin(0, UKHOOK_PATH_NATIVE_RAW, 0, 3, (uint64_t)in, 64, 0, 0, 0, 0x401100, 0, (uint64_t)stack, 0, 0x401100);
	ukhook_end(ukhook_ticket(r, 0), 40);
	r = ukhook_begin(1, UKHOOK_PATH_BINARY, 0, 1, 0x10, 5, 0, 0, 0, 0x401200, 0, (uint64_t)stack, 0, 0x401200);
	ukhook_end(ukhook_ticket(r, 1), -14);
	r = ukhook_begin(0, UKHOOK_PATH_NATIVE_RAW, 0, 3, (uint64_t)in, 64, 0, 0, 0, 0x401300, 0, (uint64_t)stack, 0, 0x401300);
	ukhook_end(ukhook_ticket(r, 0), 0);
	ukhook_finish(ukhook_now());
	fflush(stdout);
	return 0;
}

NOINLINE static int stuck(long calls)
{
	struct ukhook_ticket sleeper;
	long i;

	ukhook_start(1000000000ULL);
	sleeper = ukhook_ticket(ukhook_begin(35, UKHOOK_PATH_NATIVE_ERRNO, 0, 1, 0, 0, 0, 0, 0, 0x401000, 0,
					     (uint64_t)stack, 0, 0x401000), 35);
	for (i = 1; i <= calls; i++)
		ukhook_end(ukhook_ticket(ukhook_begin(39, UKHOOK_PATH_BINARY, 0, i, 0, 0, 0, 0, 0, 0x402000, 0,
						      (uint64_t)stack, 0, 0x402000), 39), i);
	ukhook_end(sleeper, 77); /* its slot holds another call's record by now */
	ukhook_finish(ukhook_now());
	fflush(stdout);
	return 0;
}

static int control(const char *hex)
{
	struct ukhook_control_reader r = { 0 };
	unsigned int kind, byte, n = 0;
	size_t i;

	for (i = 0; hex[2 * i] && sscanf(&hex[2 * i], "%2x", &byte) == 1; i++) {
		kind = ukhook_control_byte(&r, (uint8_t)byte);
		if (kind) {
			fprintf(stderr, "fn kind%u %u\nfn at%u %zu\n", n, kind, n, i);
			n++;
		}
	}
	return 0;
}

static int numbers(void)
{
	unsigned int i;
	uint64_t nr;

	printf("exit %d\nexit_group %d\n", UKHOOK_NR_EXIT, UKHOOK_NR_EXIT_GROUP);
	for (i = 0; i < sizeof(ukhook_names) / sizeof(ukhook_names[0]); i++)
		printf("name %s %u\n", ukhook_names[i].name, (unsigned int)ukhook_nr_of(ukhook_names[i].name));
	for (nr = 0; nr <= UKHOOK_NR_UNKNOWN; nr++) {
		if (ukhook_path_arg(nr) >= 0)
			printf("path %u %d\n", (unsigned int)nr, ukhook_path_arg(nr));
		if (ukhook_buffer_call(nr))
			printf("buffer %u\n", (unsigned int)nr);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 10;
	long i;

	if (argc > 1 && strcmp(argv[1], "native") == 0)
		return native();
	if (argc > 1 && strcmp(argv[1], "buffers") == 0)
		return buffers();
	if (argc > 1 && strcmp(argv[1], "buckets") == 0) {
		unsigned long long d;

		while (scanf("%llu", &d) == 1)
			printf("%llu %u\n", d, ukhook_bucket(d));
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "numbers") == 0)
		return numbers();
	if (argc > 1 && strcmp(argv[1], "tails") == 0)
		return tails();
	if (argc > 2 && strcmp(argv[1], "stuck") == 0)
		return stuck(atol(argv[2]));
	if (argc > 2 && strcmp(argv[1], "control") == 0)
		return control(argv[2]);

	stall = argc > 2 ? atol(argv[2]) : 0;
	late_stall = argc > 3 ? atol(argv[3]) : 0;
	/* The "image text" the leaf check accepts: stack[0] holds a return address inside it. */
	ukhook_state.text_lo = 0x1000;
	ukhook_state.text_len = 0x1000;
	stack[0] = 0x1abc;
	stack[4] = (uint64_t)&stack[8];
	stack[5] = 0x1001;
	stack[8] = (uint64_t)&stack[12];
	stack[9] = 0x1002;
	stack[12] = 0; /* end of chain */
	stack[13] = 0x1003;
	/* Records collected before the device is up, as during boot. */
	for (i = 0; i < calls; i++) {
		struct ukhook_record *r;

		if (i == calls / 2 && !ukhook_state.ready)
			ukhook_start(1000000000ULL);
		if (i == calls - 10)
			stall = late_stall;
		/* Call 3 passes a number no syscall has: it must be recorded as unknown (0xffff). */
		r = ukhook_begin(i == 3 ? 0x10027 : (uint64_t)(i % 300), UKHOOK_PATH_BINARY, 0, i, i + 1,
				 i + 2, i + 3, i + 4, i + 5, 0x400000 + i, (uint64_t)&stack[4],
				 (uint64_t)&stack[0], 0, 0x400000 + i);
		ukhook_end(ukhook_ticket(r, 0), -i);
	}
	if (!ukhook_state.ready)
		ukhook_start(1000000000ULL);
	ukhook_finish(ukhook_now());
	fflush(stdout);
	return 0;
}
