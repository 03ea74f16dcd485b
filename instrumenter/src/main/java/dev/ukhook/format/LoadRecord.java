package dev.ukhook.format;

/**
 * A program started by a loader (record kind 3): the facts app-elfloader put in the auxiliary vector of the
 * program it started, read by the guest from the new process's initial stack.
 *
 * @param seq sequence number (load records are numbered with the syscalls)
 * @param t timestamp
 * @param phdr AT_PHDR: where the program's program headers are in memory
 * @param phnum AT_PHNUM
 * @param entry AT_ENTRY: the program's entry point
 * @param interpBase AT_BASE: where the program's interpreter (dynamic loader) starts, 0 without one
 * @param execfn AT_EXECFN: the program's path, cut to the record's size
 */
public record LoadRecord(long seq, long t, long phdr, long phnum, long entry, long interpBase, String execfn) {}
