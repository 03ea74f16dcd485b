/*
 * sqlite: a fixed SQL workload on a database file in ramfs, through lib-sqlite (SQLite 3.40.1) on
 * lib-musl. Every file operation SQLite makes is a native system call that libsqlite makes
 * (through musl, which attribution looks through).
 *
 *   create a table, insert ROWS rows (one transaction each), select them back and print them.
 *
 * README.md lists what each microlibrary is expected to make.
 */
#include <sqlite3.h>
#include <stdio.h>

/* The database file; a Linux build (docs/linux-vs-unikraft.md) may put it elsewhere than /. */
#ifndef SQLITE_DB_PATH
#define SQLITE_DB_PATH "/ukhook.db"
#endif
#define ROWS 10

static int print_row(void *unused, int n, char **values, char **names)
{
	(void)unused;
	for (int i = 0; i < n; i++)
		printf("%s%s=%s", i ? " " : "sqlite: row ", names[i], values[i] ? values[i] : "NULL");
	printf("\n");
	return 0;
}

static int exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **))
{
	char *error = NULL;

	if (sqlite3_exec(db, sql, callback, NULL, &error) != SQLITE_OK) {
		printf("sqlite: FAILED: %s: %s\n", sql, error ? error : "?");
		sqlite3_free(error);
		return 1;
	}
	return 0;
}

int main(void)
{
	char sql[128];
	sqlite3 *db;
	int failed = 0;

	if (sqlite3_open(SQLITE_DB_PATH, &db) != SQLITE_OK) {
		printf("sqlite: FAILED: cannot open %s: %s\n", SQLITE_DB_PATH, sqlite3_errmsg(db));
		return 1;
	}
	failed |= exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", NULL);
	for (int i = 1; i <= ROWS; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO t (id, name) VALUES (%d, 'row-%d')", i, i);
		failed |= exec(db, sql, NULL);
	}
	failed |= exec(db, "SELECT id, name FROM t ORDER BY id", print_row);
	failed |= sqlite3_close(db) != SQLITE_OK;
	printf("sqlite: %s\n", failed ? "FAILED" : "done");
	return failed;
}
