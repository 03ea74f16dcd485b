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
 */
#define UKHOOK_STREAM_IMPLEMENTATION
#include <ukhook/stream.h>
#include <stdio.h>
#include <stdlib.h>

#define QMAX 16
static const void *q_buf[QMAX];
static uint32_t q_len[QMAX];
static unsigned int q_head, q_tail;
static long stall, late_stall;

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

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 10;
	long i;

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
		r = ukhook_begin(i == 3 ? 0x10027 : (uint64_t)(i % 300), i, i + 1, i + 2, i + 3, i + 4, i + 5,
				 0x400000 + i, (uint64_t)&stack[4], (uint64_t)&stack[0]);
		ukhook_end(r, -i);
	}
	if (!ukhook_state.ready)
		ukhook_start(1000000000ULL);
	ukhook_finish(ukhook_now());
	fflush(stdout);
	return 0;
}
