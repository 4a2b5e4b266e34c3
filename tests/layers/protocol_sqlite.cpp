// Must not compile: broker/protocol may not use sqlite3.
#include <sqlite3.h>
