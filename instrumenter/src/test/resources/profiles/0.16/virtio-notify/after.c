/*
 * Hand-written for ukhook's golden tests, not Unikraft's code: the shape of drivers/virtio/ring/virtio_ring.c
 * around the notification check (the anchors of the virtio-notify fix), self-contained so that
 * VirtioNotifyFixTest can compile and run it.
 */
#include <stdint.h>

typedef uint16_t __u16;

struct vring_avail {
	__u16 flags;
	__u16 idx;
};

struct vring {
	struct vring_avail *avail;
	__u16 avail_event; /* in a real ring: after the used ring's entries */
};

/* The virtio specification's test: notify when the device's event index lies in [old, new). */
static inline int vring_need_event(__u16 event, __u16 new, __u16 old)
{
	return (__u16)(new - event - 1) < (__u16)(new - old);
}

#define vring_avail_event(vr) ((vr)->avail_event)

struct virtqueue {
	int uses_event_idx;
};

struct virtqueue_vring {
	struct virtqueue vq;
	struct vring vring;
	__u16 desc_avail;
	__u16 last_used_desc_idx;
#if CONFIG_LIBUKHOOK /* ukhook-begin virtio-notify/field block=8caf99b02bbe original=4f34b2178b2c401f */
	__u16 ukhook_checked_avail_idx; /* avail->idx at the last notification check */
#endif /* ukhook-end virtio-notify/field */
};

#define to_virtqueue_vring(q) ((struct virtqueue_vring *)(q))

int virtqueue_notify_enabled(struct virtqueue *vq)
{
	struct virtqueue_vring *vrq;
	__u16 old, new;

	vrq = to_virtqueue_vring(vq);
	if (vq->uses_event_idx) {
		new = vrq->vring.avail->idx;
		/* As in Unikraft: one buffer assumed since the last check. */
		old = new - 1;
#if CONFIG_LIBUKHOOK /* ukhook-begin virtio-notify/check block=b4bbf9d5a8a4 original=4f34b2178b2c401f */
		/* ukhook fix virtio-notify: test every buffer added since the last check, not only the last one; with
		 * several added at once the device, waiting for the index it stopped at, is otherwise never notified
		 * (docs/virtio-net-stall.md in ukhook) */
		old = vrq->ukhook_checked_avail_idx;
		vrq->ukhook_checked_avail_idx = new;
#endif /* ukhook-end virtio-notify/check */

		return vring_need_event(vring_avail_event(&vrq->vring), new, old);
	}
	return 1;
}

static void virtqueue_vring_init(struct virtqueue_vring *vrq, __u16 nr_desc)
{
	vrq->desc_avail = nr_desc;
	vrq->last_used_desc_idx = 0;
#if CONFIG_LIBUKHOOK /* ukhook-begin virtio-notify/init block=cfc535efb0ff original=4f34b2178b2c401f */
	vrq->ukhook_checked_avail_idx = 0;
#endif /* ukhook-end virtio-notify/init */
}
