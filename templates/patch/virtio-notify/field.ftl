${indent}__u16 ukhook_checked_avail_idx; /* avail->idx at the last notification check */
