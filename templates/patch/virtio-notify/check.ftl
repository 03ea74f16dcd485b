${indent}/* ukhook fix virtio-notify: test every buffer added since the last check, not only the last one; with
${indent} * several added at once the device, waiting for the index it stopped at, is otherwise never notified
${indent} * (docs/virtio-net-stall.md in ukhook) */
${indent}old = vrq->ukhook_checked_avail_idx;
${indent}vrq->ukhook_checked_avail_idx = new;
