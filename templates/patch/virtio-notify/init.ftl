${indent}vrq->ukhook_checked_avail_idx = 0;
