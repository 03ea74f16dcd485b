${indent}ukhook_process_created(thread);
