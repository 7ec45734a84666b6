/* store_sqlite: the embedded SQLite backend (WAL mode, versioned
 * migrations applied at open). */
#ifndef STORE_STORE_SQLITE_H
#define STORE_STORE_SQLITE_H

#include "store/store.h"

extern const struct store_ops store_sqlite_ops;

/* Number of migrations this build knows (the newest schema version). */
int store_sqlite_latest_version(void);

/* For tests and upgrades: create or open the database at path and apply
 * migrations up to version `upto` only (an older schema, as an older
 * returnbridge would have left it). */
MUST_CHECK enum err_code store_sqlite_migrate_file(const char *path, int upto,
						   struct err *e);

#endif
